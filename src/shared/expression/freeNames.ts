// The names an expression reads, for checking a condition against the names a
// run provides before the run starts.

import type { Expr, PathSegment } from './ast';

/** A name read by an expression (`loss`, `layers.dense_1.gradNorm`, `layers.*.deadFraction`). */
export type NameNode = Extract<Expr, { kind: 'name' }>;

/** Every name node of `expr`, in order of appearance (repeats included). */
export function nameNodes(expr: Expr): NameNode[] {
  const names: NameNode[] = [];
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'name':
        names.push(e);
        return;
      case 'unary':
        return visit(e.operand);
      case 'binary':
        visit(e.left);
        return visit(e.right);
      case 'call':
        return e.args.forEach(visit);
    }
  };
  visit(expr);
  return names;
}

/**
 * Every distinct name path in `expr`, in order of appearance. A wildcard
 * segment is returned as the string '*' (a quoted key "*" looks the same).
 */
export function freeNames(expr: Expr): PathSegment[][] {
  const paths: PathSegment[][] = [];
  const seen = new Set<string>();
  for (const name of nameNodes(expr)) {
    const path = name.segments.map((s) => (s.kind === 'key' ? s.key : '*'));
    const id = JSON.stringify(path);
    if (!seen.has(id)) {
      seen.add(id);
      paths.push(path);
    }
  }
  return paths;
}
