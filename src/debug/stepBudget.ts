// How many step events a second go to the DAP client (the workbench, and
// through it the extension host and the views). A fast run makes thousands of
// steps a second (the spiral MLP: ~2,300, ~1.8 KB of JSON each); sent whole,
// that stream (4 MB/s) crosses the workbench and back — in code-server through
// the browser — and on a 2-core machine the extension host fell behind far
// enough that a window reload did not reach it for over 20 s. The views draw
// a few hundred points a second at most, so the live stream keeps at most
// LIGHT_STEPS_PER_SECOND light steps and DETAILED_STEPS_PER_SECOND detailed
// ones (token buckets with a 100 ms burst); the adapter's history, the
// Variables view and the trace still have every step, and the adapter sends
// the newest step with every flush, so the views always end on the current one.

export const LIGHT_STEPS_PER_SECOND = 200;
export const DETAILED_STEPS_PER_SECOND = 20;
const BURST_SECONDS = 0.1;

class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond * BURST_SECONDS;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.perSecond * BURST_SECONDS, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class StepBudget {
  private readonly light: TokenBucket;
  private readonly detailed: TokenBucket;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.light = new TokenBucket(LIGHT_STEPS_PER_SECOND, clock());
    this.detailed = new TokenBucket(DETAILED_STEPS_PER_SECOND, clock());
  }

  /** Whether a step (with per-layer detail or not) goes to the client now. */
  admit(detailed: boolean): boolean {
    return (detailed ? this.detailed : this.light).take(this.clock());
  }
}
