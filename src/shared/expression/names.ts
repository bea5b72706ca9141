// Reading names from a scope, and explaining names that do not resolve:
// "unknown name 'los' — did you mean 'loss'? (known: loss, accuracy, …)".

import { formatPath, type NameExpr, type NameSegment, type PathSegment } from './ast';
import { ExpressionEvalError } from './errors';
import type { Scope, ScopeValue } from './scope';
import { closest, listSome } from './suggest';

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Scope access that can only fail with an ExpressionEvalError (a custom scope may throw anything). */
export class GuardedScope {
  constructor(private readonly scope: Scope) {}

  get(path: readonly PathSegment[], node: NameExpr): ScopeValue {
    let value: unknown;
    try {
      value = this.scope.get(path);
    } catch (e) {
      throw new ExpressionEvalError(`could not read '${formatPath(path)}': ${reason(e)}`, node.start + 1, node.end - node.start);
    }
    if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') return value;
    throw new ExpressionEvalError(`the value of '${formatPath(path)}' is a ${typeof value}, not a number`, node.start + 1, node.end - node.start);
  }

  keys(path: readonly PathSegment[], node: NameExpr): readonly PathSegment[] | undefined {
    let keys: unknown;
    try {
      keys = this.scope.keys(path);
    } catch (e) {
      throw new ExpressionEvalError(`could not list the names under '${formatPath(path)}': ${reason(e)}`, node.start + 1, node.end - node.start);
    }
    if (keys === undefined) return undefined;
    if (!Array.isArray(keys)) {
      throw new ExpressionEvalError(`the names under '${formatPath(path)}' are not a list`, node.start + 1, node.end - node.start);
    }
    return keys.filter((k): k is PathSegment => typeof k === 'string' || typeof k === 'number');
  }
}

const sameKey = (a: PathSegment, b: PathSegment): boolean => String(a) === String(b);

/** Replaces the `*` of a name by `key`, giving the concrete path to read. */
export function concretePath(segments: readonly NameSegment[], key: PathSegment | undefined): PathSegment[] {
  return segments.map((s) => (s.kind === 'key' ? s.key : (key as PathSegment)));
}

/**
 * Why `node` (resolved to `path`, `*` replaced by each of `wildcardKeys`) has
 * no value: an unknown key (with a suggestion), a key below a number, or a
 * group used as a number.
 */
export function explainMissingName(scope: GuardedScope, node: NameExpr, wildcardKeys: readonly PathSegment[] = []): ExpressionEvalError {
  const segments = node.segments;
  const shown = formatPath(segments);
  const variants = segments.some((s) => s.kind === 'wildcard') ? wildcardKeys.map((k) => concretePath(segments, k)) : [concretePath(segments, undefined)];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === 'wildcard') continue;
    const candidates: PathSegment[] = [];
    let anyGroup = false;
    let found = false;
    for (const path of variants) {
      const keys = scope.keys(path.slice(0, i), node);
      if (!keys) continue;
      anyGroup = true;
      if (keys.some((k) => sameKey(k, segment.key))) found = true;
      for (const k of keys) if (!candidates.some((c) => sameKey(c, k))) candidates.push(k);
    }
    if (found) continue;
    const at = (message: string): ExpressionEvalError => new ExpressionEvalError(message, segment.start + 1, segment.end - segment.start);
    const prefix = formatPath(segments.slice(0, i));
    if (i > 0 && !anyGroup) {
      return at(`'${prefix}' is a number; it has no '${String(segment.key)}' below it`);
    }
    const names = candidates.map(String);
    const guess = typeof segment.key === 'string' ? closest(segment.key, names) : undefined;
    const suggestion = guess !== undefined ? ` — did you mean '${formatPath([...segments.slice(0, i), guessSegment(guess, candidates)])}'?` : '';
    const known =
      names.length === 0
        ? i === 0
          ? ' (no names are available yet)'
          : ` ('${prefix}' is empty at this step)`
        : i === 0
          ? ` (known: ${listSome(names)})`
          : ` (known under '${prefix}': ${listSome(names)})`;
    return at(`unknown name '${formatPath(segments.slice(0, i + 1))}'${suggestion}${known}`);
  }
  // Every key exists, so the name is a group, not a number.
  const below = variants.length > 0 ? (scope.keys(variants[0], node) ?? []) : [];
  const examples = below.slice(0, 4).map((k) => `'${formatPath([...segments, k])}'`);
  return new ExpressionEvalError(
    `'${shown}' is a group of names, not a number${examples.length ? `; use one of them, e.g. ${examples.join(', ')}` : ''}`,
    node.start + 1,
    node.end - node.start,
  );
}

function guessSegment(guess: string, candidates: readonly PathSegment[]): PathSegment {
  return candidates.find((c) => String(c) === guess) ?? guess;
}

/**
 * The keys the `*` of a wildcard name ranges over. Throws when the part before
 * the `*` is not a group, or when the name has a value for none of the keys
 * (a typo such as `layers.*.gradNrom`).
 */
export function wildcardKeysOf(scope: GuardedScope, name: NameExpr): readonly PathSegment[] {
  const star = name.segments.findIndex((s) => s.kind === 'wildcard');
  const prefixSegments = name.segments.slice(0, star);
  const prefix = concretePath(prefixSegments, undefined);
  const keys = scope.keys(prefix, name);
  if (keys === undefined) {
    if (scope.get(prefix, name) === undefined) {
      throw explainMissingName(scope, { ...name, segments: prefixSegments, end: prefixSegments[prefixSegments.length - 1]?.end ?? name.end });
    }
    const wildcard = name.segments[star];
    throw new ExpressionEvalError(
      `'${formatPath(prefix)}' is a number, not a group of names: '*' needs a group such as 'layers'`,
      wildcard.start + 1,
      wildcard.end - wildcard.start,
    );
  }
  const resolves = keys.length === 0 || keys.some((k) => scope.get(concretePath(name.segments, k), name) !== undefined);
  if (!resolves) throw explainMissingName(scope, name, keys);
  return keys;
}
