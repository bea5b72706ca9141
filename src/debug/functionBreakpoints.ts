// Function breakpoints whose "function name" is an expression over the step's
// numbers (`loss < 0.05`). The DAP `condition` is AND-ed with it and the
// `hitCondition` counts the steps where both hold. Each expression is parsed
// here so a typo shows at once as an unverified breakpoint with the parse
// error; once the run's names are known, unknown names are reported too.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BreakpointSpec } from '../shared/protocol';
import { checkNames, freeNames, parseExpression, parseHitCondition, type Expr, type Scope } from '../shared/expression';

/** The run's names; weight names are only known once a step with per-weight detail has run. */
export interface RunNames {
  scope: Scope;
  knowsWeights: boolean;
}

interface Entry {
  id: number;
  /** What the trainer checks; null when the breakpoint is not valid. */
  spec: BreakpointSpec | null;
  parsed: Expr[];
  message?: string;
}

export class FunctionBreakpoints {
  private nextId = 1;
  private entries: Entry[] = [];

  /** Replaces every function breakpoint (DAP sends the full list each time). */
  set(breakpoints: readonly DebugProtocol.FunctionBreakpoint[], names: RunNames | null): DebugProtocol.Breakpoint[] {
    this.entries = breakpoints.map((bp) => this.entry(bp));
    if (names) for (const e of this.entries) this.checkNamesOf(e, names);
    return this.entries.map(toDap);
  }

  /** Checks names against the run's scope once it is known; returns the breakpoints that became unverified. */
  recheck(names: RunNames): DebugProtocol.Breakpoint[] {
    const changed: DebugProtocol.Breakpoint[] = [];
    for (const e of this.entries) if (e.spec && this.checkNamesOf(e, names)) changed.push(toDap(e));
    return changed;
  }

  /** The breakpoints the trainer should check. */
  specs(): BreakpointSpec[] {
    return this.entries.flatMap((e) => (e.spec ? [e.spec] : []));
  }

  /** The first layer a breakpoint's expression reads (`layers.dense_2.…`), to point the stack at it. */
  layerOf(id: number): string | null {
    const e = this.entries.find((x) => x.id === id);
    for (const expr of e?.parsed ?? []) {
      for (const path of freeNames(expr)) if (path[0] === 'layers' && typeof path[1] === 'string') return path[1];
    }
    return null;
  }

  private entry(bp: DebugProtocol.FunctionBreakpoint): Entry {
    const id = this.nextId++;
    const parsed: Expr[] = [];
    const fail = (message: string): Entry => ({ id, spec: null, parsed, message });
    const name = bp.name ?? '';
    if (name.trim() === '') return fail('write an expression over the step\'s numbers as the breakpoint, e.g. "loss < 0.05"');
    try {
      parsed.push(parseExpression(name));
    } catch (e) {
      return fail((e as Error).message);
    }
    const condition = bp.condition?.trim() ? bp.condition : undefined;
    if (condition) {
      try {
        parsed.push(parseExpression(condition));
      } catch (e) {
        return fail(`condition: ${(e as Error).message}`);
      }
    }
    const hitCondition = bp.hitCondition?.trim() ? bp.hitCondition : undefined;
    if (hitCondition) {
      try {
        parseHitCondition(hitCondition);
      } catch (e) {
        return fail(`hit count: ${(e as Error).message}`);
      }
    }
    return { id, parsed, spec: { id, condition: condition ? `(${name}) && (${condition})` : name, hitCondition } };
  }

  /** Marks the entry unverified when it reads a name the run does not have; true when it did. */
  private checkNamesOf(e: Entry, names: RunNames): boolean {
    for (const expr of e.parsed) {
      if (!names.knowsWeights && freeNames(expr).some((p) => p[0] === 'weights')) continue;
      const errors = checkNames(expr, names.scope);
      if (errors.length > 0) {
        e.spec = null;
        e.message = errors[0].message;
        return true;
      }
    }
    return false;
  }
}

function toDap(e: Entry): DebugProtocol.Breakpoint {
  return e.spec ? { id: e.id, verified: true } : { id: e.id, verified: false, message: e.message };
}
