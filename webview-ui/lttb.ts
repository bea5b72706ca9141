// Largest-Triangle-Three-Buckets downsampling (Sveinn Steinarsson, "Downsampling
// Time Series for Visual Representation", 2013). Long series are drawn with at
// most ~one point per pixel: the first and last points are kept, the rest is
// cut into equal buckets and from each bucket the point forming the largest
// triangle with the previously kept point and the next bucket's average is
// kept. Spikes (a gradient blow-up at one step) survive, unlike with striding
// or averaging. The store keeps every point; only drawing is reduced.

/**
 * Indices (ascending) of the points to draw from `xs`/`ys` in [start, end).
 * Points whose y is not finite (or not positive, with `positiveOnly`, for log
 * scales) are never chosen. Returns every usable index when there are at most
 * `threshold`.
 */
let scratch = new Int32Array(1024);

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
  if (threshold < 3 || n <= threshold) return Array.from(finite.subarray(0, n));
  const picked: number[] = [finite[0]];
  const bucketSize = (n - 2) / (threshold - 2);
  let a = finite[0];
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    // Average of the next bucket (the last point for the final bucket).
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[finite[j]];
      avgY += ys[finite[j]];
    }
    const count = nextEnd - nextStart;
    if (count > 0) {
      avgX /= count;
      avgY /= count;
    } else {
      avgX = xs[finite[n - 1]];
      avgY = ys[finite[n - 1]];
    }
    const from = Math.floor(bucket * bucketSize) + 1;
    const to = Math.floor((bucket + 1) * bucketSize) + 1;
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
