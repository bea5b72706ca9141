// The names an expression reads, for checking a condition against the names a
// run provides before the run starts.

import type { Expr, PathSegment } from './ast';

/**
 * Every distinct name path in `expr`, in order of appearance. A wildcard
 * segment is returned as the string '*' (a quoted key "*" looks the same).
 */
export function freeNames(expr: Expr): PathSegment[][] {
  const paths: PathSegment[][] = [];
  const seen = new Set<string>();
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'name': {
        const path = e.segments.map((s) => (s.kind === 'key' ? s.key : '*'));
        const id = JSON.stringify(path);
        if (!seen.has(id)) {
          seen.add(id);
          paths.push(path);
        }
        return;
      }
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
  return paths;
}
