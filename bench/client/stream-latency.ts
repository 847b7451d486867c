/**
 * Sequential streaming runs (its own process): `count` times POST a streaming run and time the
 * first event, the first token (`messages` event with non-empty content) and the last event.
 */
import http from "node:http";
import { quantile } from "../lib/stats.ts";
import { emit, hardLimit, readJob } from "./io.ts";
import { sseParser } from "./sse.ts";

/** The job read from stdin. */
export interface StreamLatencyJob {
  url: string;
  path: string;
  body: unknown;
  count: number;
  timeoutMs: number;
}

/** The result written to stdout. */
export interface StreamLatencyResult {
  streams: number;
  errors: number;
  firstEventP50: number | null;
  firstEventP99: number | null;
  firstTokenP50: number | null;
  firstTokenP99: number | null;
  eventsPerStream: number | null;
  eventsPerSecondP50: number | null;
  firstError?: string;
}

interface One {
  firstEvent: number;
  firstToken: number | null;
  events: number;
  duration: number;
}

const job = await readJob<StreamLatencyJob>();
hardLimit(job.count * job.timeoutMs + 10_000);
const base = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = Buffer.from(JSON.stringify(job.body));

function once(): Promise<One> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstEvent = -1;
    let firstToken: number | null = null;
    let last = t0;
    let events = 0;
    const parse = sseParser((event, data) => {
      const now = performance.now();
      events++;
      last = now;
      if (firstEvent < 0) firstEvent = now - t0;
      if (firstToken == null && event.startsWith("messages") && /"content":"[^"]/.test(data))
        firstToken = now - t0;
      if (event === "error") reject(new Error(`error event: ${data.slice(0, 300)}`));
    });
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: "POST",
        path: job.path,
        agent,
        timeout: job.timeoutMs,
        headers: { "content-type": "application/json", "content-length": body.length },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`status ${res.statusCode}`));
          return;
        }
        res.setEncoding("utf-8");
        res.on("data", parse);
        res.on("end", () =>
          resolve({ firstEvent, firstToken, events, duration: (last - t0 - firstEvent) / 1000 }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

const runs: One[] = [];
let errors = 0;
let firstError: string | undefined;
for (let i = 0; i < job.count; i++) {
  try {
    runs.push(await once());
  } catch (error) {
    errors++;
    firstError ??= String(error);
  }
}
agent.destroy();
const tokens = runs.flatMap((r) => (r.firstToken == null ? [] : [r.firstToken]));
const result: StreamLatencyResult = {
  streams: runs.length,
  errors,
  firstEventP50: quantile(
    runs.map((r) => r.firstEvent),
    0.5,
  ),
  firstEventP99: quantile(
    runs.map((r) => r.firstEvent),
    0.99,
  ),
  firstTokenP50: quantile(tokens, 0.5),
  firstTokenP99: quantile(tokens, 0.99),
  eventsPerStream: quantile(
    runs.map((r) => r.events),
    0.5,
  ),
  eventsPerSecondP50: quantile(
    runs.filter((r) => r.duration > 0).map((r) => (r.events - 1) / r.duration),
    0.5,
  ),
  firstError,
};
emit({ type: "result", result });
process.exit(0);
