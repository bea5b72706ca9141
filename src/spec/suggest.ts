// "Did you mean …?" for misspelt names.

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = saved;
    }
  }
  return previous[b.length];
}

/**
 * The candidate closest to `word` (case-insensitive, ignoring '_' and '-'),
 * when it is close enough to be a plausible typo; else undefined.
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const simplify = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const target = simplify(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const simple = simplify(candidate);
    let distance = editDistance(target, simple);
    // Abbreviations such as maxPool2d → maxPooling2d.
    if (distance > 0 && target.length >= 4 && (simple.startsWith(target) || simple.replace(/ing/g, '') === target)) {
      distance = Math.min(distance, 1.5);
    }
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(target.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** ", did you mean 'x'?" or a list of the allowed names when nothing is close. */
export function suggestion(word: string, candidates: readonly string[], listLimit = 40): string {
  const close = closestName(word, candidates);
  if (close !== undefined) return `; did you mean '${close}'?`;
  if (candidates.length <= listLimit) return ` (expected one of: ${candidates.join(', ')})`;
  return '';
}
