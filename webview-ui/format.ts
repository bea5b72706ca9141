// Number formatting shared by the views.

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
}

export function formatShape(shape: (number | null)[] | (number | null)[][]): string {
  const one = (s: (number | null)[]) => `[${s.map((d) => (d === null ? '?' : d)).join('×')}]`;
  return Array.isArray(shape[0]) ? (shape as (number | null)[][]).map(one).join(' ') : one(shape as (number | null)[]);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
