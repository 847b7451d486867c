/** Runs the closed-loop load generator against one route and turns its result into figures. */
import type { LoadJob, LoadRequest, LoadResult } from "../client/http-load.ts";
import { runClient } from "./client.ts";
import type { Figure, SuiteContext } from "./suite.ts";

/** Options for `measureLoad`. */
export interface LoadSpec {
  key: string;
  group: string;
  label: string;
  requests: LoadRequest[];
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  timeoutMs?: number;
  /** Wait after the window for requests in flight (default 10 s). */
  drainMs?: number;
}

/** Measures throughput and p50/p99 latency of `spec.requests` at fixed concurrency. */
export async function measureLoad(
  url: string,
  spec: LoadSpec,
  ctx: SuiteContext,
): Promise<Figure[]> {
  const durationMs = ctx.quick ? Math.min(spec.durationMs, 2000) : spec.durationMs;
  const job: LoadJob = {
    url,
    requests: spec.requests,
    concurrency: spec.concurrency,
    warmupMs: spec.warmupMs ?? (ctx.quick ? 300 : 1000),
    durationMs,
    timeoutMs: spec.timeoutMs ?? 30_000,
    drainMs: spec.drainMs ?? 10_000,
  };
  let result: LoadResult | null = null;
  let note: string | undefined;
  try {
    result = await runClient<LoadResult>("http-load", job, {
      timeoutMs: job.warmupMs + durationMs + job.drainMs + 30_000,
    });
    if (result.errors > 0)
      note = `${result.errors} errors (${JSON.stringify(result.statuses)}), first: ${result.firstError}`;
  } catch (error) {
    note = `load client failed: ${String(error).slice(0, 300)}`;
  }
  ctx.log(
    `  ${spec.label}: ${result ? `${result.rps.toFixed(1)} req/s p50 ${result.p50?.toFixed(1)} ms p99 ${result.p99?.toFixed(1)} ms` : "failed"}${note ? ` [${note}]` : ""}`,
  );
  const base = { group: spec.group };
  return [
    {
      ...base,
      key: `${spec.key}.rps`,
      label: `${spec.label}: throughput`,
      unit: "req/s",
      better: "higher",
      value: result?.rps ?? null,
      note,
    },
    {
      ...base,
      key: `${spec.key}.p50`,
      label: `${spec.label}: p50`,
      unit: "ms",
      better: "lower",
      value: result?.p50 ?? null,
    },
    {
      ...base,
      key: `${spec.key}.p99`,
      label: `${spec.label}: p99`,
      unit: "ms",
      better: "lower",
      value: result?.p99 ?? null,
    },
  ];
}
