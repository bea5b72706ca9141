// Column store of per-step numbers: one array per quantity, aligned by index.
// Every step is kept up to `capacity`; past it the older half is thinned 2:1
// (every other point dropped), so memory stays bounded while recent steps stay
// exact and the whole run stays visible. Drawing reduces further with LTTB.

export class SeriesTable {
  readonly steps: number[] = [];
  private readonly columns = new Map<string, number[]>();

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.steps.length;
  }

  get lastStep(): number | null {
    return this.steps.length ? this.steps[this.steps.length - 1] : null;
  }

  column(name: string): number[] {
    let column = this.columns.get(name);
    if (!column) {
      // A column that appears late is padded so that indices stay aligned.
      column = new Array<number>(this.steps.length).fill(NaN);
      this.columns.set(name, column);
    }
    return column;
  }

  has(name: string): boolean {
    return this.columns.has(name);
  }

  columnNames(): string[] {
    return [...this.columns.keys()];
  }

  /** Appends one row; `values` missing a column get NaN there. Returns true when the table was thinned. */
  push(step: number, values: Record<string, number>): boolean {
    for (const name of Object.keys(values)) this.column(name); // before the push: padded to the old length
    this.steps.push(step);
    for (const [name, column] of this.columns) column.push(name in values ? values[name] : NaN);
    if (this.steps.length > this.capacity) {
      this.thinOlderHalf();
      return true;
    }
    return false;
  }

  /** Drops every row with step >= `step` (a step back replays those steps). */
  truncateFrom(step: number): void {
    const keep = this.indexAtOrBefore(step - 1) + 1;
    this.steps.length = keep;
    for (const column of this.columns.values()) column.length = keep;
  }

  /** Index of the last row whose step is <= `step`, or -1. */
  indexAtOrBefore(step: number): number {
    let lo = 0;
    let hi = this.steps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.steps[mid] <= step) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  valueAt(name: string, step: number): number {
    const i = this.indexAtOrBefore(step);
    const column = this.columns.get(name);
    return i < 0 || !column ? NaN : column[i];
  }

  clear(): void {
    this.steps.length = 0;
    this.columns.clear();
  }

  private thinOlderHalf(): void {
    const half = Math.floor(this.steps.length / 2);
    const thin = (array: number[]): void => {
      let w = 0;
      for (let r = 0; r < half; r += 2) array[w++] = array[r];
      for (let r = half; r < array.length; r++) array[w++] = array[r];
      array.length = w;
    };
    thin(this.steps);
    for (const column of this.columns.values()) thin(column);
  }
}
