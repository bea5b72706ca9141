// Condition breakpoints: expressions over the step's numbers, parsed once by
// the safe expression language (no eval), checked after every step.

import type { BreakpointSpec, BreakpointStatus } from '../shared/protocol';
import { checkNames, evaluate, freeNames, isTruthy, parseExpression, parseHitCondition, scopeFromObject, type Expr } from '../shared/expression';
import { ACTIVATION_FIELDS, type ScopeObject } from '../shared/expression/runScope';

interface ActiveBreakpoint {
  id: number;
  source: string;
  condition: Expr;
  hit: ((count: number) => boolean) | null;
  hits: number;
}

export class BreakpointSet {
  private active: ActiveBreakpoint[] = [];
  /** Last evaluation error per breakpoint id (e.g. an unknown layer name), reported once. */
  readonly evaluationErrors = new Map<number, string>();

  /** Replaces all breakpoints; returns whether each one parsed. */
  set(specs: BreakpointSpec[]): BreakpointStatus[] {
    this.active = [];
    this.evaluationErrors.clear();
    return specs.map((spec) => {
      try {
        const condition = parseExpression(spec.condition);
        const hit = spec.hitCondition && spec.hitCondition.trim() !== '' ? parseHitCondition(spec.hitCondition) : null;
        this.active.push({ id: spec.id, source: spec.condition, condition, hit, hits: 0 });
        return { id: spec.id, verified: true };
      } catch (e) {
        return { id: spec.id, verified: false, message: (e as Error).message };
      }
    });
  }

  get size(): number {
    return this.active.length;
  }

  /** True when some condition reads activation statistics or weights, which only detailed steps measure. */
  needsDetail(): boolean {
    const detailFields = new Set<string>(ACTIVATION_FIELDS);
    return this.active.some((bp) =>
      freeNames(bp.condition).some((path) => path[0] === 'weights' || (path[0] === 'layers' && path.length >= 3 && detailFields.has(String(path[2])))),
    );
  }

  /**
   * Checks every name against a real step's scope (layer names are only
   * known once the model is built). Breakpoints with unknown names are
   * removed and returned as unverified, with a "did you mean" message.
   */
  verifyNames(scope: ScopeObject): BreakpointStatus[] {
    const resolver = scopeFromObject(scope);
    const rejected: BreakpointStatus[] = [];
    this.active = this.active.filter((bp) => {
      const errors = checkNames(bp.condition, resolver);
      if (errors.length === 0) return true;
      rejected.push({ id: bp.id, verified: false, message: `${bp.source}: ${errors[0].message}` });
      return false;
    });
    return rejected;
  }

  /** Evaluates every breakpoint; returns the id of the first that fires, or null. */
  check(scope: ScopeObject): number | null {
    const resolver = scopeFromObject(scope);
    let fired: number | null = null;
    for (const bp of this.active) {
      let holds: boolean;
      try {
        holds = isTruthy(evaluate(bp.condition, resolver));
      } catch (e) {
        this.evaluationErrors.set(bp.id, (e as Error).message);
        continue;
      }
      if (!holds) continue;
      bp.hits += 1;
      if (bp.hit && !bp.hit(bp.hits)) continue;
      if (fired === null) fired = bp.id;
    }
    return fired;
  }
}
