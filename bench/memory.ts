/**
 * Memory of the embedded default (PGlite in memory): resident memory at rest after start-up (after
 * a full GC), the peak while 20 clients each send a body near the 10 MiB limit at once (half
 * JSON thread bodies, half store items), how long those took, and the resident memory once they
 * are done (after a full GC), plus same-run variants of the resting figure: `OLG_EMBEDDED_EXECUTOR=main`
 * (graphs on the HTTP thread: the run executor thread's cost) and `MALLOC_ARENA_MAX=2` (as `olg dev`
 * starts its server, src/cli/dev.ts). `npm run bench memory`.
 */
import type { Benchmark } from "./index.ts";
import { rssAfterGc, rssPeak } from "./lib/proc.ts";
import { TARGETS } from "./lib/targets.ts";

const CLIENTS = 20;
const BODY_BYTES = 9 * 1024 * 1024;
const mb = (n: number | null) => (n == null ? "n/a" : `${(n / 1024 / 1024).toFixed(0)} MB`);

/** RSS at rest (after start-up, one request, a full GC) with `env` added to the server's. */
async function restingRss(env: Record<string, string>): Promise<number | null> {
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const target = await TARGETS.find((t) => t.id === "pglite")!.start();
    try {
      await fetch(`${target.url}/threads`, { method: "POST", body: "{}" });
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
    const mainThreadOnly = await restingRss({ OLG_EMBEDDED_EXECUTOR: "main" });
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
