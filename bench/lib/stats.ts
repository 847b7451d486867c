/** Small statistics helpers shared by the bench clients and suites. */

/** The q-quantile (0..1) of unsorted samples, or null when there are none. */
export function quantile(samples: ArrayLike<number>, q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] ?? null;
}

/** The median of unsorted samples, or null. */
export function median(samples: ArrayLike<number>): number | null {
  return quantile(samples, 0.5);
}

/** Rounds for display: 3 significant digits below 100, integers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}
