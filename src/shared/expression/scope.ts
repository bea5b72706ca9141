// Where names get their values. A Scope answers two questions: the value at a
// full path, and which keys exist one level below a path (for `*` wildcards
// and for "did you mean …?" suggestions).

import type { PathSegment } from './ast';

/**
 * What a path resolves to:
 * - a number or boolean: its value;
 * - `null`: the name exists but has no value at this step (e.g. the gradient
 *   norm of a layer without weights). It reads as NaN, and aggregates over a
 *   wildcard skip it;
 * - `undefined`: there is no such name, or the path is a group (has keys below it).
 */
export type ScopeValue = number | boolean | null | undefined;

export interface Scope {
  get(path: readonly PathSegment[]): ScopeValue;
  /** Keys one level below `path` (`[]` = the top-level names), or undefined when `path` is not a group. */
  keys(path: readonly PathSegment[]): readonly PathSegment[] | undefined;
}

/** A group of names, as returned by a `ScopeResolver` for a path prefix. */
interface ScopeObject {
  readonly [key: string]: unknown;
}

/**
 * The function form of a scope: returns the value at a path, or an object
 * (record or array) for a path that is a group; its own keys enumerate the group.
 */
export type ScopeResolver = (path: readonly PathSegment[]) => ScopeValue | ScopeObject | readonly unknown[];

const has = (o: object, key: PathSegment): boolean => Object.prototype.hasOwnProperty.call(o, key);

const isGroup = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** Values the language can see; strings, functions etc. in a plain object are ignored. */
const isVisible = (v: unknown): boolean => typeof v === 'number' || typeof v === 'boolean' || v === null || isGroup(v);

function keysOf(group: object): PathSegment[] {
  if (Array.isArray(group)) return group.map((_, i) => i).filter((i) => isVisible(group[i]));
  return Object.keys(group).filter((k) => isVisible((group as Record<string, unknown>)[k]));
}

function leafValue(v: unknown): ScopeValue {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return undefined;
}

/** Adapts either form of scope to the `Scope` interface. */
export function toScope(scope: Scope | ScopeResolver): Scope {
  if (typeof scope !== 'function') return scope;
  return {
    get: (path) => leafValue(scope(path)),
    keys: (path) => {
      const v = scope(path);
      return isGroup(v) ? keysOf(v) : undefined;
    },
  };
}

/**
 * A scope over a plain nested object such as
 * `{ loss: 0.3, epoch: 1, layers: { dense_1: { gradNorm: 0.1 } } }`.
 * Arrays can be indexed by number (`weights[0]`). `knownNamesHint` lists
 * top-level names that exist in the run but may be absent from this object
 * (e.g. `val_loss` before the first validation): they read as `null` (NaN)
 * instead of being unknown, and are offered as suggestions.
 */
export function scopeFromObject(obj: unknown, knownNamesHint: readonly string[] = []): Scope {
  const hinted = new Set(knownNamesHint);
  const walk = (path: readonly PathSegment[]): { found: boolean; value: unknown } => {
    let current: unknown = obj;
    for (const key of path) {
      if (!isGroup(current)) return { found: false, value: undefined };
      const lookup = Array.isArray(current) ? key : String(key);
      if (Array.isArray(current) ? typeof key !== 'number' || key >= current.length : !has(current, lookup)) {
        return { found: false, value: undefined };
      }
      current = (current as Record<PathSegment, unknown>)[lookup];
      if (!isVisible(current)) return { found: false, value: undefined };
    }
    return { found: true, value: current };
  };
  return {
    get(path) {
      const { found, value } = walk(path);
      if (found) return leafValue(value);
      const top = path[0];
      return path.length === 1 && typeof top === 'string' && hinted.has(top) ? null : undefined;
    },
    keys(path) {
      const { found, value } = walk(path);
      if (!found || !isGroup(value)) return undefined;
      const keys = keysOf(value);
      if (path.length === 0) for (const name of hinted) if (!keys.includes(name)) keys.push(name);
      return keys;
    },
  };
}
