/**
 * Closed-loop HTTP load generator (its own process): `concurrency` keep-alive connections each
 * send the next request as soon as the previous answer is fully read, for `warmupMs` (not
 * recorded) then `durationMs`. Result: throughput of the answers that arrived inside the window
 * (steady state), their latency percentiles, status counts.
 */
import http from "node:http";
import { quantile } from "../lib/stats.ts";
import { emit, hardLimit, readJob } from "./io.ts";

/** One request to rotate through. */
export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  /** Extra request headers (e.g. an API key). */
  headers?: Record<string, string>;
}

/** The job read from stdin. */
export interface LoadJob {
  url: string;
  requests: LoadRequest[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
  /** How long to wait after the window for answers still in flight (not recorded). */
  drainMs: number;
}

/** The result written to stdout. */
export interface LoadResult {
  completed: number;
  /** Every answer received, warm-up and drain included (what the server's CPU was spent on). */
  answered: number;
  errors: number;
  statuses: Record<string, number>;
  rps: number;
  p50: number | null;
  p99: number | null;
  firstError?: string;
}

const job = await readJob<LoadJob>();
hardLimit(job.warmupMs + job.durationMs + job.drainMs + 15_000);
const base = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const prepared = job.requests.map((r) => ({
  method: r.method,
  path: r.path,
  body: r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body)),
  headers: r.headers ?? {},
}));

function send(i: number): Promise<{ status: number; error?: string }> {
  const r = prepared[i % prepared.length]!;
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: r.method,
        path: r.path,
        agent,
        timeout: job.timeoutMs,
        headers: r.body
          ? { ...r.headers, "content-type": "application/json", "content-length": r.body.length }
          : r.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const error = status >= 400 ? Buffer.concat(chunks).toString().slice(0, 300) : undefined;
          resolve({ status, error });
        });
        res.on("error", (e) => resolve({ status: 0, error: String(e) }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, error: String(e) }));
    if (r.body) req.write(r.body);
    req.end();
  });
}

const start = performance.now();
const windowStart = start + job.warmupMs;
const windowEnd = windowStart + job.durationMs;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let completed = 0;
let errors = 0;
let firstError: string | undefined;
let counter = 0;
let answered = 0;

async function worker(): Promise<void> {
  while (performance.now() < windowEnd) {
    const t0 = performance.now();
    const { status, error } = await send(counter++);
    const t1 = performance.now();
    answered++;
    // Steady state: count every answer that arrives inside the window, whenever it was sent.
    if (t1 < windowStart || t1 > windowEnd) continue;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 0 || status >= 400) {
      errors++;
      firstError ??= `${status}: ${error}`;
      continue;
    }
    latencies.push(t1 - t0);
    completed++;
  }
}

// Stop sending at the window's end; let what is in flight finish (bounded) so the server is idle
// for the next measurement, without recording it.
await Promise.race([
  Promise.all(Array.from({ length: job.concurrency }, worker)),
  new Promise((resolve) => setTimeout(resolve, job.warmupMs + job.durationMs + job.drainMs)),
]);
agent.destroy();
const result: LoadResult = {
  completed,
  answered,
  errors,
  statuses,
  rps: completed / (job.durationMs / 1000),
  p50: quantile(latencies, 0.5),
  p99: quantile(latencies, 0.99),
  firstError,
};
emit({ type: "result", result });
process.exit(0);
