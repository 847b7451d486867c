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
  /** Time the streams stay open after the hold for the parent's memory sample. */
  settleMs: number;
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
hardLimit(job.connectDeadlineMs + job.holdMs + job.settleMs + 30_000);
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

/** Opens stream `i`: `connected` settles on the TCP connect, `answered` on the response head. */
function open(i: number): { connected: Promise<void>; answered: Promise<void> } {
  const run = job.runs[i % job.runs.length]!;
  const t0 = performance.now();
  const stream: Stream = { req: undefined as never, open: false, lastSeq: -1 };
  let onConnect: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    onConnect = resolve;
  });
  const answered = new Promise<void>((resolve) => {
    let failed = false;
    const fail = (message: string) => {
      onConnect();
      if (!stream.open) {
        if (failed) return;
        failed = true;
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
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`status ${res.statusCode}`);
          return;
        }
        stream.open = true;
        connectTimes.push(performance.now() - t0);
        streams.push(stream);
        res.setEncoding("utf-8");
        res.on("data", parse);
        res.on("end", () => fail("stream ended by the server"));
        res.on("error", (e) => fail(String(e)));
        resolve();
      },
    );
    stream.req.on("socket", (socket) => socket.once("connect", onConnect));
    stream.req.on("error", (e) => fail(String(e)));
    pending.push({ stream, fail });
  });
  return { connected, answered };
}

const pending: { stream: Stream; fail: (message: string) => void }[] = [];
const connectStart = performance.now();
const answers: Promise<void>[] = [];
// Connect in batches (TCP level: servers may send the response head only with the first event),
// then wait for every response head until the deadline.
const remaining = () => Math.max(0, job.connectDeadlineMs - (performance.now() - connectStart));
for (let i = 0; i < job.n; i += job.batch) {
  if (remaining() === 0) {
    connectErrors += job.n - i;
    firstError ??= `only ${i} of ${job.n} connects attempted before the deadline`;
    break;
  }
  const count = Math.min(job.batch, job.n - i);
  const opened = Array.from({ length: count }, (_, k) => open(i + k));
  answers.push(...opened.map((o) => o.answered));
  await Promise.race([
    Promise.all(opened.map((o) => o.connected)),
    new Promise((resolve) => setTimeout(resolve, Math.min(10_000, remaining()))),
  ]);
  emit({ type: "progress", opened: i + count });
}
let deadlineHit = false;
await Promise.race([
  Promise.all(answers),
  new Promise((resolve) =>
    setTimeout(
      () => {
        deadlineHit = true;
        resolve(undefined);
      },
      Math.max(0, job.connectDeadlineMs - (performance.now() - connectStart)),
    ),
  ),
]);
const connectSeconds = (performance.now() - connectStart) / 1000;
if (deadlineHit)
  for (const p of pending) {
    if (!p.stream.open) {
      p.fail("no response head before the connect deadline");
      p.stream.req.destroy();
    }
  }
const connected = streams.filter((s) => s.open).length;

holding = true;
emit({ type: "phase", phase: "holding", connected });
await new Promise((resolve) => setTimeout(resolve, job.holdMs));
holding = false;
// The parent samples server memory (after a GC) while the streams are still open.
emit({ type: "phase", phase: "held" });
await new Promise((resolve) => setTimeout(resolve, job.settleMs));

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
