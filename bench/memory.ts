/**
 * Memory of the embedded default (PGlite in memory): resident memory at rest after start-up (after
 * a full GC), the peak while 20 clients each send a body near the 10 MiB limit at once (half
 * JSON thread bodies, half store items), how long those took, and the resident memory once they
 * are done (after a full GC), plus same-run variants of the resting figure: the run executor
 * thread always running (`OLG_EXECUTOR_IDLE_SECONDS=0`, the default before it ran on demand,
 * src/server/executor-supervisor.ts), `OLG_EMBEDDED_EXECUTOR=main` (graphs on the HTTP thread),
 * `MALLOC_ARENA_MAX=2` (as `olg dev` starts its server, src/cli/dev.ts), and at rest after runs
 * once the on-demand thread stopped (`OLG_EXECUTOR_IDLE_SECONDS=2`); and both resting figures on
 * a data folder, as `olg dev` and `olg serve` keep PGlite (`BENCH_DATA_DIR`). `npm run bench memory`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Benchmark } from "./index.ts";
import { rssAfterGc, rssPeak } from "./lib/proc.ts";
import { TARGETS } from "./lib/targets.ts";

const CLIENTS = 20;
const BODY_BYTES = 9 * 1024 * 1024;
const mb = (n: number | null) => (n == null ? "n/a" : `${(n / 1024 / 1024).toFixed(0)} MB`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ten stateless runs of the trivial graph, one after another. */
async function someRuns(url: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "trivial", input: { value: 1 } }),
    });
    if (!res.ok) throw new Error(`runs/wait: ${res.status} ${await res.text()}`);
  }
}

/**
 * RSS at rest (after start-up, one request, a full GC) with `env` added to the server's; with
 * `afterRuns`, after ten runs and that long a pause (the on-demand executor thread stopped).
 */
async function restingRss(env: Record<string, string>, afterRuns?: number): Promise<number | null> {
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const target = await TARGETS.find((t) => t.id === "pglite")!.start();
    try {
      await fetch(`${target.url}/threads`, { method: "POST", body: "{}" });
      if (afterRuns != null) {
        await someRuns(target.url);
        await sleep(afterRuns);
      }
      return await rssAfterGc(target.pid);
    } finally {
      await target.stop();
    }
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export const memoryBench: Benchmark = {
  name: "memory",
  description: `embedded default RSS: at rest, peak and after ${CLIENTS} concurrent ~9 MiB bodies`,
  async run() {
    const alwaysOn = await restingRss({ OLG_EXECUTOR_IDLE_SECONDS: "0" });
    const onDisk = async (env: Record<string, string>) => {
      const dir = mkdtempSync(path.join(tmpdir(), "olg-bench-memory-"));
      try {
        return await restingRss({ ...env, BENCH_DATA_DIR: dir });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const folder = await onDisk({});
    const folderAlwaysOn = await onDisk({ OLG_EXECUTOR_IDLE_SECONDS: "0" });
    const mainThreadOnly = await restingRss({ OLG_EMBEDDED_EXECUTOR: "main" });
    // Idle for 2 s, checked every second: stopped 4 s after the last run ended.
    const afterIdle = await restingRss({ OLG_EXECUTOR_IDLE_SECONDS: "2" }, 5000);
    const twoArenas = await restingRss({ MALLOC_ARENA_MAX: "2" });
    const spec = TARGETS.find((t) => t.id === "pglite")!;
    const target = await spec.start();
    try {
      await fetch(`${target.url}/threads`, { method: "POST", body: "{}" });
      const atRest = await rssAfterGc(target.pid);
      const peak = rssPeak(target.pid, 100);
      const blob = "z".repeat(BODY_BYTES);
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const started = performance.now();
          const res =
            i % 2 === 0
              ? await fetch(`${target.url}/threads`, {
                  method: "POST",
                  headers: { "content-type": "application/json" },
                  body: JSON.stringify({ metadata: { i }, values: { blob } }),
                })
              : await fetch(`${target.url}/store/items`, {
                  method: "PUT",
                  headers: { "content-type": "application/json" },
                  body: JSON.stringify({ namespace: ["bench"], key: `k${i}`, value: { blob } }),
                });
          await res.arrayBuffer();
          return { status: res.status, ms: performance.now() - started };
        }),
      );
      const wallMs = performance.now() - t0;
      const peakRss = peak.stop();
      const after = await rssAfterGc(target.pid);
      const slowest = Math.max(...results.map((r) => r.ms));
      const statuses = [...new Set(results.map((r) => r.status))].join(",");
      console.log(`memory (embedded default, ${CLIENTS} × ${mb(BODY_BYTES)} bodies)`);
      console.log(`  RSS at rest after start-up (after GC): ${mb(atRest)}`);
      console.log(
        `    same, executor thread always on (OLG_EXECUTOR_IDLE_SECONDS=0): ${mb(alwaysOn)}`,
      );
      console.log(`    same, on a data folder (as olg dev / olg serve): ${mb(folder)}`);
      console.log(`    same, on a data folder, executor thread always on: ${mb(folderAlwaysOn)}`);
      console.log(
        `    at rest after 10 runs, on-demand thread stopped (idle 2 s): ${mb(afterIdle)}`,
      );
      console.log(
        `    same, graphs on the HTTP thread (OLG_EMBEDDED_EXECUTOR=main): ${mb(mainThreadOnly)}`,
      );
      console.log(`    same, MALLOC_ARENA_MAX=2 (as olg dev runs it):            ${mb(twoArenas)}`);
      console.log(`  RSS peak during the bodies:            ${mb(peakRss)}`);
      console.log(
        `  peak growth per concurrent body:       ${mb(atRest && peakRss ? (peakRss - atRest) / CLIENTS : null)}`,
      );
      console.log(`  RSS after the bodies (after GC):       ${mb(after)}`);
      console.log(
        `  all ${CLIENTS} done in ${(wallMs / 1000).toFixed(1)} s (slowest ${(slowest / 1000).toFixed(1)} s), statuses ${statuses}`,
      );
    } finally {
      await target.stop();
    }
  },
};
