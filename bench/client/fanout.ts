/**
 * Many concurrent SSE streams (its own process): joins `n` streams spread over the given
 * resumable runs (`GET /threads/:tid/runs/:rid/stream`), in batches, then holds them for
 * `holdMs` while measuring delivery latency of the ticker's `custom` events `{seq, ts}`
 * (server clock = our clock: same machine). Emits `{type:"phase"}` lines so the parent can
 * sample the server around the hold window.
 */
import http from "node:http";
import { quantile } from "../lib/stats.ts";
import { emit, hardLimit, readJob } from "./io.ts";
import { sseParser } from "./sse.ts";

/** The job read from stdin. */
export interface FanoutJob {
  url: string;
  runs: { threadId: string; runId: string }[];
  n: number;
  batch: number;
  holdMs: number;
  connectDeadlineMs: number;
  localAddress: string;
}

/** The result written to stdout. */
export interface FanoutResult {
  requested: number;
  connected: number;
  connectErrors: number;
  connectSeconds: number;
  connectP99: number | null;
  droppedDuringHold: number;
  received: number;
  missed: number;
  latencyP50: number | null;
  latencyP99: number | null;
  firstError?: string;
}

const job = await readJob<FanoutJob>();
hardLimit(job.connectDeadlineMs + job.holdMs + 30_000);
const base = new URL(job.url);

interface Stream {
  req: http.ClientRequest;
  open: boolean;
  lastSeq: number;
}

let holding = false;
let received = 0;
let missed = 0;
let dropped = 0;
let connectErrors = 0;
let firstError: string | undefined;
const latencies: number[] = [];
const connectTimes: number[] = [];
const streams: Stream[] = [];

function open(i: number): Promise<void> {
  const run = job.runs[i % job.runs.length]!;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const stream: Stream = { req: undefined as never, open: false, lastSeq: -1 };
    const fail = (message: string) => {
      if (!stream.open) {
        connectErrors++;
        firstError ??= message;
        resolve();
      } else {
        stream.open = false;
        if (holding) {
          dropped++;
          firstError ??= message;
        }
      }
    };
    const parse = sseParser((event, data) => {
      if (event !== "custom") return;
      const { seq, ts } = JSON.parse(data) as { seq: number; ts: number };
      if (holding) {
        received++;
        latencies.push(Date.now() - ts);
        if (stream.lastSeq >= 0 && seq > stream.lastSeq + 1) missed += seq - stream.lastSeq - 1;
      }
      stream.lastSeq = seq;
    });
    stream.req = http.get(
      {
        host: base.hostname,
        port: base.port,
        path: `/threads/${run.threadId}/runs/${run.runId}/stream`,
        agent: false,
        localAddress: job.localAddress,
        timeout: 30_000,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`status ${res.statusCode}`);
          return;
        }
        stream.open = true;
        stream.req.setTimeout(0);
        connectTimes.push(performance.now() - t0);
        streams.push(stream);
        res.setEncoding("utf-8");
        res.on("data", parse);
        res.on("end", () => fail("stream ended by the server"));
        res.on("error", (e) => fail(String(e)));
        resolve();
      },
    );
    stream.req.on("timeout", () => stream.req.destroy(new Error("connect timeout")));
    stream.req.on("error", (e) => fail(String(e)));
  });
}

const connectStart = performance.now();
for (let i = 0; i < job.n; i += job.batch) {
  if (performance.now() - connectStart > job.connectDeadlineMs) {
    connectErrors += job.n - i;
    firstError ??= "connect phase deadline reached";
    break;
  }
  const count = Math.min(job.batch, job.n - i);
  await Promise.all(Array.from({ length: count }, (_, k) => open(i + k)));
  emit({ type: "progress", connected: streams.length });
}
const connectSeconds = (performance.now() - connectStart) / 1000;
const connected = streams.filter((s) => s.open).length;

holding = true;
emit({ type: "phase", phase: "holding", connected });
await new Promise((resolve) => setTimeout(resolve, job.holdMs));
holding = false;
emit({ type: "phase", phase: "held" });

for (const s of streams) s.req.destroy();
const result: FanoutResult = {
  requested: job.n,
  connected,
  connectErrors,
  connectSeconds,
  connectP99: quantile(connectTimes, 0.99),
  droppedDuringHold: dropped,
  received,
  missed,
  latencyP50: quantile(latencies, 0.5),
  latencyP99: quantile(latencies, 0.99),
  firstError,
};
emit({ type: "result", result });
process.exit(0);
