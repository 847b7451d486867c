/**
 * Load generator, run as its own process so it never shares the event loop with what it measures:
 * `concurrency` workers send requests back to back for `durationMs` and the latencies are printed
 * as one JSON line on stdout. Loopback only.
 */

/** What the parent passes as the single JSON argument. */
export interface LoadSpec {
  /** Requests to cycle through. */
  requests: { method: "GET" | "POST"; url: string; body?: string }[];
  concurrency: number;
  durationMs: number;
}

/** Figures of one load run. */
export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number)
    : 0;

/** Runs the load described by `spec`. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  for (const r of spec.requests) {
    const host = new URL(r.url).hostname;
    if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`not loopback: ${r.url}`);
  }
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const r = spec.requests[next++ % spec.requests.length];
      if (!r) return;
      const t0 = performance.now();
      try {
        const res = await fetch(r.url, {
          method: r.method,
          body: r.body,
          headers: r.body ? { "content-type": "application/json" } : undefined,
        });
        await res.arrayBuffer();
        if (!res.ok) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: sorted.length,
    errors,
    rps: sorted.length / elapsed,
    meanMs: sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length),
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
  };
}
