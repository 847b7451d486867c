/**
 * The embedded default (PGlite in memory, `bench/graphs`) with the run executor on the HTTP thread
 * (`OLG_EMBEDDED_EXECUTOR=main`, the same-run baseline) and in its own thread (the default), one
 * after the other, each on a fresh server: `GET /assistants/:id` and `POST /threads/search` (50
 * connections, over 200 threads), stateless `POST /runs/wait` of the trivial graph at c=10 and
 * c=100, then RSS at rest (after a full GC). Load comes from the closed-loop client process
 * (`bench/client/http-load.ts`); each figure also shows the server's CPU per answer (robust to a
 * loaded machine). `npm run bench executor` (`--quick`: 2 s windows).
 * The official server's figures on this machine (issue 24): 2,600-3,000/s, 1,300-1,600/s, 124-130/s.
 */
import type { LoadJob, LoadResult } from "./client/http-load.ts";
import type { Benchmark } from "./index.ts";
import { postJson } from "./lib/api.ts";
import { runClient } from "./lib/client.ts";
import { cpuSeconds, rssAfterGc } from "./lib/proc.ts";
import { ROOT, TARGETS } from "./lib/targets.ts";

const MODES = [
  { id: "main", label: "executor=main" },
  { id: "thread", label: "thread (default)" },
] as const;

/**
 * Throughput, p99 and the server's CPU per answer (all its threads; CPU over warm-up, window and
 * drain divided by the answers the window rate implies for warm-up + window: an estimate that
 * stays comparable when the machine is loaded and throughput is not).
 */
async function load(url: string, pid: number, job: Omit<LoadJob, "url">): Promise<string> {
  try {
    const cpu0 = cpuSeconds(pid);
    const r = await runClient<LoadResult>(
      "http-load",
      { url, ...job },
      { timeoutMs: job.warmupMs + job.durationMs + job.drainMs + 30_000 },
    );
    const cpu1 = cpuSeconds(pid);
    const answers = (r.rps * (job.warmupMs + job.durationMs)) / 1000;
    const perAnswer =
      cpu0 != null && cpu1 != null && answers > 0 ? ((cpu1 - cpu0) * 1000) / answers : null;
    const errs = r.errors > 0 ? ` (${r.errors} err)` : "";
    return `${r.rps.toFixed(0)}/s p99 ${r.p99?.toFixed(0)} ms ${perAnswer?.toFixed(2) ?? "?"} cpu-ms${errs}`;
  } catch (error) {
    return `failed: ${String(error).slice(0, 80)}`;
  }
}

async function measure(mode: string, quick: boolean): Promise<Record<string, string>> {
  const previous = process.env.OLG_EMBEDDED_EXECUTOR;
  process.env.OLG_EMBEDDED_EXECUTOR = mode;
  const target = await TARGETS.find((t) => t.id === "pglite")!.start();
  if (previous === undefined) delete process.env.OLG_EMBEDDED_EXECUTOR;
  else process.env.OLG_EMBEDDED_EXECUTOR = previous;
  const window = { warmupMs: quick ? 500 : 1000, durationMs: quick ? 2000 : 5000 };
  try {
    const url = target.url;
    const assistant = await postJson<{ assistant_id: string }>(`${url}/assistants`, {
      graph_id: "trivial",
    });
    for (let i = 0; i < 200; i++)
      await postJson(`${url}/threads`, { metadata: { bench: "executor", i } });
    const out: Record<string, string> = {};
    out["GET /assistants/:id, 50 conns"] = await load(url, target.pid, {
      requests: [{ method: "GET", path: `/assistants/${assistant.assistant_id}` }],
      concurrency: 50,
      ...window,
      timeoutMs: 30_000,
      drainMs: 5000,
    });
    out["POST /threads/search, 50 conns"] = await load(url, target.pid, {
      requests: [
        { method: "POST", path: "/threads/search", body: { metadata: { bench: "executor" } } },
      ],
      concurrency: 50,
      ...window,
      timeoutMs: 30_000,
      drainMs: 5000,
    });
    for (const c of [10, 100])
      out[`POST /runs/wait trivial, c=${c}`] = await load(url, target.pid, {
        requests: [
          { method: "POST", path: "/runs/wait", body: { assistant_id: "trivial", input: {} } },
        ],
        concurrency: c,
        ...window,
        timeoutMs: 60_000,
        drainMs: 20_000,
      });
    const rss = await rssAfterGc(target.pid);
    out["RSS at rest after the load (after GC)"] =
      rss == null ? "n/a" : `${(rss / 1024 / 1024).toFixed(0)} MB`;
    return out;
  } finally {
    await target.stop();
  }
}

export const executorBench: Benchmark = {
  name: "executor",
  description:
    "embedded default: executor on the HTTP thread (baseline) vs in its own thread: reads, runs/wait, RSS",
  async run() {
    const quick = process.argv.includes("--quick");
    const figures: Record<string, Record<string, string>> = {};
    for (const mode of MODES) figures[mode.id] = await measure(mode.id, quick);
    const labels = Object.keys(figures.main!);
    const width = Math.max(...labels.map((l) => l.length));
    console.log(`embedded default (${ROOT}/bench/graphs, PGlite in memory)`);
    console.log(`  ${"".padEnd(width)}  ${MODES.map((m) => m.label.padStart(34)).join("  ")}`);
    for (const label of labels)
      console.log(
        `  ${label.padEnd(width)}  ${MODES.map((m) => (figures[m.id]![label] ?? "").padStart(34)).join("  ")}`,
      );
  },
};
