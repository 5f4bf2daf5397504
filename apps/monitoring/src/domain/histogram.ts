/** A cumulative histogram: for each upper bound (`le`, ascending, ending with Infinity), the count at or below it. */
export type Buckets = ReadonlyMap<number, number>;

/** Adds `b` to `a` bound by bound (bounds present in either). */
export function addBuckets(a: Buckets, b: Buckets): Map<number, number> {
  const sum = new Map(a);
  for (const [bound, count] of b) sum.set(bound, (sum.get(bound) ?? 0) + count);
  return sum;
}

/**
 * The `q`-quantile (0..1) of a cumulative histogram, in the histogram's unit, interpolated linearly inside the
 * bucket where it falls, as Prometheus's `histogram_quantile` does: a value in the `+Inf` bucket is reported as the
 * highest finite bound. Undefined when the histogram counts nothing.
 */
export function histogramQuantile(q: number, buckets: Buckets): number | undefined {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let [lowerBound, lowerCount] = [0, 0];
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    [lowerBound, lowerCount] = [bound, count];
  }
  return lowerBound;
}
