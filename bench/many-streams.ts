/**
 * Suite 4, many concurrent streams: N SSE clients (one client process, loopback only) join
 * resumable runs of the ticker graph, which writes one `custom` event per second; after all
 * joined, the streams are held for a fixed window. Server memory per stream (RSS growth over
 * the idle baseline), server CPU, delivery latency and errors. Bounded: the ticker stops after
 * two minutes on its own, and every run is cancelled after each step. Every target (official,
 * PGlite, PostgreSQL, PostgreSQL + Redis); `MANY_STREAMS=1000,10000` chooses the sizes.
 */
import type { FanoutJob, FanoutResult } from "./client/fanout.ts";
import { getJson, pool, postJson, sleep } from "./lib/api.ts";
import { runClient } from "./lib/client.ts";
import { cpuMeter, rssAfterGc, rssPeak } from "./lib/proc.ts";
import type { Figure, Suite } from "./lib/suite.ts";
import type { RunningTarget } from "./lib/targets.ts";

const RUNS = 10;
const INTERVAL_MS = 1000;
const HOLD_MS = 8000;

interface Started {
  threadId: string;
  runId: string;
}

async function startTickers(target: RunningTarget): Promise<Started[]> {
  const started = await pool([...Array(RUNS).keys()], RUNS, async () => {
    const thread = await postJson<{ thread_id: string }>(`${target.url}/threads`, {});
    const run = await postJson<{ run_id: string }>(
      `${target.url}/threads/${thread.thread_id}/runs`,
      {
        assistant_id: "ticker",
        input: { ticks: 120, interval_ms: INTERVAL_MS },
        stream_mode: ["custom"],
        stream_resumable: true,
      },
    );
    return { threadId: thread.thread_id, runId: run.run_id };
  });
  const deadline = Date.now() + 20_000;
  for (const s of started) {
    while (Date.now() < deadline) {
      const run = await getJson<{ status: string }>(
        `${target.url}/threads/${s.threadId}/runs/${s.runId}`,
      );
      if (run.status === "running") break;
      await sleep(100);
    }
  }
  // The official server creates a run's (resumable) event queue on the run's first event.
  await sleep(1500);
  return started;
}

async function cancelAll(target: RunningTarget, runs: Started[]): Promise<void> {
  await pool(runs, RUNS, (r) =>
    fetch(`${target.url}/threads/${r.threadId}/runs/${r.runId}/cancel`, {
      method: "POST",
      signal: AbortSignal.timeout(10_000),
    }).then(
      (res) => res.body?.cancel(),
      () => undefined,
    ),
  );
}

async function step(
  target: RunningTarget,
  n: number,
  index: number,
  holdMs: number,
): Promise<Figure[]> {
  const group = `Many streams: N = ${n} (${RUNS} runs, 1 event/s per stream, ${holdMs / 1000} s hold)`;
  const runs = await startTickers(target);
  const baseline = await rssAfterGc(target.pid);
  let cpu: ReturnType<typeof cpuMeter> | undefined;
  let peak: ReturnType<typeof rssPeak> | undefined;
  let cpuShare: number | null = null;
  let peakRss: number | null = null;
  let heldRss: Promise<number | null> = Promise.resolve(null);
  let result: FanoutResult | null = null;
  let note: string | undefined;
  const job: FanoutJob = {
    url: target.url,
    runs,
    n,
    batch: 250,
    holdMs,
    settleMs: 2000,
    connectDeadlineMs: Math.max(30_000, n * 6),
    localAddress: `127.0.0.${10 + index}`,
  };
  try {
    result = await runClient<FanoutResult>("fanout", job, {
      timeoutMs: job.connectDeadlineMs + holdMs + 40_000,
      onMessage: (m) => {
        if (m.phase === "holding") {
          cpu = cpuMeter(target.pid);
          peak = rssPeak(target.pid);
        } else if (m.phase === "held") {
          cpuShare = cpu?.stop() ?? null;
          peakRss = peak?.stop() ?? null;
          heldRss = rssAfterGc(target.pid);
        }
      },
    });
  } catch (error) {
    note = `fan-out client failed: ${String(error).slice(0, 300)}`;
    cpu?.stop();
    peak?.stop();
  } finally {
    await cancelAll(target, runs);
  }
  const connected = result?.connected ?? 0;
  const held = await heldRss;
  const errors = result ? result.connectErrors + result.droppedDuringHold : null;
  if (result && (errors || result.missed))
    note = `${result.connectErrors} connect errors, ${result.droppedDuringHold} dropped, ${result.missed} events missed; first: ${result.firstError}`;
  const perStream =
    baseline != null && held != null && connected > 0 ? (held - baseline) / connected / 1024 : null;
  const mk = (
    key: string,
    label: string,
    unit: string,
    better: Figure["better"],
    value: number | null,
  ): Figure => ({
    key: `streams.${n}.${key}`,
    group,
    label,
    unit,
    better,
    value,
  });
  const figures: Figure[] = [
    {
      ...mk("connected", "streams held open", "streams", "higher", result ? connected : null),
      note,
    },
    mk("connect", "time to open all streams", "s", "lower", result?.connectSeconds ?? null),
    mk("p50", "delivery latency p50", "ms", "lower", result?.latencyP50 ?? null),
    mk("p99", "delivery latency p99", "ms", "lower", result?.latencyP99 ?? null),
    mk("errors", "errors (failed + dropped streams)", "streams", "lower", errors),
    mk("missed", "events missed", "events", "lower", result?.missed ?? null),
    mk("mem", "server memory per stream (RSS growth after GC)", "KiB", "lower", perStream),
    mk("rss", "server RSS at peak", "MiB", "lower", peakRss == null ? null : peakRss / 1024 / 1024),
    mk("cpu", "server CPU while holding (1.0 = one core)", "cores", "lower", cpuShare),
  ];
  return figures;
}

/** The many-streams suite. */
export const manyStreamsSuite: Suite = {
  name: "many-streams",
  title: "Many concurrent streams",
  async measure(target, ctx) {
    const sizes = process.env.MANY_STREAMS
      ? process.env.MANY_STREAMS.split(",").map(Number)
      : ctx.quick
        ? [200]
        : [1000, 5000, 10_000];
    const holdMs = ctx.quick ? 3000 : HOLD_MS;
    const figures: Figure[] = [];
    for (const [index, n] of sizes.entries()) {
      const measured = await step(target, n, index, holdMs);
      const get = (k: string) => measured.find((f) => f.key.endsWith(`.${k}`))?.value;
      ctx.log(
        `  N=${n}: held ${get("connected")}, open ${get("connect")?.toFixed(1)} s, p99 ${get("p99")?.toFixed(0)} ms, ${get("mem")?.toFixed(1)} KiB/stream, CPU ${get("cpu")?.toFixed(2)}, errors ${get("errors")}${measured[0]?.note ? ` [${measured[0].note}]` : ""}`,
      );
      figures.push(...measured);
      await sleep(2000);
    }
    return figures;
  },
};
