// Largest-Triangle-Three-Buckets downsampling (Sveinn Steinarsson, "Downsampling
// Time Series for Visual Representation", 2013), with buckets of equal width
// in x (steps), not of equal point counts. Long series are drawn with at most
// ~one point per pixel: the first and last points are kept, the x range
// between them is cut into equal buckets and from each bucket the point
// forming the largest triangle with the previously kept point and the next
// bucket's average is kept. Spikes (a gradient blow-up at one step) survive,
// unlike with striding or averaging. The store keeps every point; only
// drawing is reduced.
//
// Why equal widths in x: the steps a view holds are not evenly spaced. The
// live stream thins a fast run's steps (src/debug/stepBudget.ts) but sends
// every step while the run is slow or paused, and the bounded histories thin
// their older half (src/shared/boundedHistory.ts, store/series.ts). Buckets
// of equal point counts made the drawn density follow the data's (a line
// denser where the run was slow); equal widths, together with
// `uniformPointCount`, draw one density over the whole line.

let scratch = new Int32Array(1024);

/**
 * Indices (ascending) of the points to draw from `xs`/`ys` in [start, end)
 * (`xs` ascending). Points whose y is not finite (or not positive, with
 * `positiveOnly`, for log scales) are never chosen. At most `threshold`
 * points: the ends and one per non-empty bucket of `threshold - 2` equal
 * x-widths.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number, positiveOnly = false, start = 0, end = xs.length): number[] {
  // A reused buffer: charts call this for every line several times a second,
  // and a fresh index array each time kept the garbage collector busy.
  if (scratch.length < end - start) scratch = new Int32Array(Math.max(end - start, scratch.length * 2));
  const finite = scratch;
  let n = 0;
  for (let i = start; i < end; i++) {
    const y = ys[i];
    if (Number.isFinite(y) && (!positiveOnly || y > 0)) finite[n++] = i;
  }
  if (threshold < 3 || n <= 2) return Array.from(finite.subarray(0, n));
  const buckets = threshold - 2;
  const x0 = xs[finite[0]];
  const span = xs[finite[n - 1]] - x0;
  if (!(span > 0)) return [finite[0], finite[n - 1]];
  // bucketStart[b]..bucketStart[b+1]: positions in `finite` of bucket b's points (the ends excluded).
  const bucketStart = new Int32Array(buckets + 1);
  let position = 1;
  for (let b = 0; b < buckets; b++) {
    bucketStart[b] = position;
    const limit = x0 + ((b + 1) * span) / buckets;
    while (position < n - 1 && (xs[finite[position]] < limit || b === buckets - 1)) position++;
  }
  bucketStart[buckets] = n - 1;
  const picked: number[] = [finite[0]];
  let a = finite[0];
  for (let b = 0; b < buckets; b++) {
    const from = bucketStart[b];
    const to = bucketStart[b + 1];
    if (from >= to) continue;
    // Average of the next non-empty bucket (the last point after the final one).
    let next = b + 1;
    while (next < buckets && bucketStart[next] >= bucketStart[next + 1]) next++;
    let avgX = xs[finite[n - 1]];
    let avgY = ys[finite[n - 1]];
    if (next < buckets) {
      avgX = 0;
      avgY = 0;
      for (let j = bucketStart[next]; j < bucketStart[next + 1]; j++) {
        avgX += xs[finite[j]];
        avgY += ys[finite[j]];
      }
      const count = bucketStart[next + 1] - bucketStart[next];
      avgX /= count;
      avgY /= count;
    }
    const ax = xs[a];
    const ay = ys[a];
    let best = finite[from];
    let bestArea = -1;
    for (let j = from; j < to; j++) {
      const i = finite[j];
      const area = Math.abs((ax - avgX) * (ys[i] - ay) - (ax - xs[i]) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    picked.push(best);
    a = best;
  }
  picked.push(finite[n - 1]);
  return picked;
}

/** A stretch thinned this much (a share of the x range) sets the density of the whole line. */
const THINNED_SHARE = 0.25;

/**
 * How many points to draw of a line over the steps `xs` (ascending) so that
 * the drawn density is one over the whole line: at most `maxPoints`, and no
 * more than the sparsest stretch that covers at least a quarter of the range
 * has. Example: 170 steps sent one by one, then 2,000 thinned to every 11th:
 * the line is drawn with a point every 11 steps throughout.
 */
export function uniformPointCount(xs: ArrayLike<number>, maxPoints: number): number {
  const n = xs.length;
  if (n < 3) return maxPoints;
  const span = xs[n - 1] - xs[0];
  if (!(span > 0)) return maxPoints;
  // Steps are integers, so the gaps take few distinct values: count them (O(n), no sort).
  const counts = new Map<number, number>();
  for (let i = 1; i < n; i++) {
    const g = xs[i] - xs[i - 1];
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  // The largest gap g such that the gaps of at least g add up to THINNED_SHARE of the range.
  let covered = 0;
  let gap = 0;
  for (const g of [...counts.keys()].sort((a, b) => b - a)) {
    covered += g * counts.get(g)!;
    gap = g;
    if (covered >= THINNED_SHARE * span) break;
  }
  return Math.max(3, Math.min(maxPoints, Math.floor(span / gap) + 2));
}
