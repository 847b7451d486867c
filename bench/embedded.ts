/**
 * The embedded default (PGlite in memory, no DATABASE_URL) on the example project
 * (`examples/basic`), with PGlite on the HTTP thread (`OLG_PGLITE_THREAD=main`, the former design:
 * the same-run baseline) and in its worker thread (the default). For each, in this order:
 * - `GET /assistants/:id` throughput (10 connections, 5 s) right after `/ok` answered (the first
 *   10 s after ready, while start-up work such as the schema parser runs) and again at rest;
 * - resident memory at rest 30 s after start (after a full GC), of the server process and of its
 *   child processes (the schema parser while it runs);
 * - `/ok` latency (probed every 25 ms from another process) while 3 runs execute at once, each
 *   with a 2 MiB message in its state and 80 metadata keys on its thread and on itself.
 * `npm run bench embedded` (`--quick`: 2 s load windows).
 */
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { p99, probeOk } from "../test/support/stall.ts";
import type { Benchmark } from "./index.ts";
import { oursBin } from "./lib/compiled.ts";
import { rssAfterGc, rssBytes } from "./lib/proc.ts";
import { quantile } from "./lib/stats.ts";
import { freePort, launch, ROOT } from "./lib/targets.ts";

const CONFIG = path.join(ROOT, "examples/basic/open_langgraph.json");
const MODES = ["main", "worker"] as const;
const mb = (n: number | null) => (n == null ? "n/a" : `${(n / 1024 / 1024).toFixed(0)} MB`);
const ms = (n: number | null) => (n == null ? "n/a" : `${n.toFixed(0)} ms`);
const sleep = (millis: number) => new Promise((r) => setTimeout(r, millis));
const keys = (prefix: string, n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `value ${i}`]));

/** Resident memory of the direct children of `pid` (Linux /proc). */
function childrenRss(pid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf-8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) total += rssBytes(Number(entry)) ?? 0;
    } catch {
      // gone
    }
  }
  return total;
}

/** Requests per second of `GET path` over `durationMs` with `connections` closed loops. */
async function throughput(url: string, connections: number, durationMs: number) {
  const end = performance.now() + durationMs;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const res = await fetch(url).catch(() => null);
        if (res?.ok) done++;
        else failed++;
        await res?.arrayBuffer();
      }
    }),
  );
  return { perSecond: done / (durationMs / 1000), failed };
}

/**
 * POSTs `body` on a connection of its own (a pooled keep-alive socket may have been closed by
 * the server during the 30 s pause); a failed exchange is status 0.
 */
function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(url, {
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString());
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on("error", () => resolve({ status: 0, body: null }));
    req.end(text);
  });
}

interface ModeFigures {
  startSeconds: number;
  firstReads: number;
  restReads: number;
  rss: number | null;
  childRss: number;
  okP50: number | null;
  okP99: number;
  okMax: number;
  runs: string;
}

async function measure(mode: (typeof MODES)[number], quick: boolean): Promise<ModeFigures> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: "warn",
    OLG_PGLITE_THREAD: mode,
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const args = [oursBin(ROOT), "serve", "--config", CONFIG, "--port", String(port)];
  args.push("--host", "127.0.0.1", "--in-memory");
  const target = await launch(`embedded-${mode}`, mode, args, env, url, async () => {});
  const started = performance.now();
  try {
    const window = quick ? 2000 : 5000;
    const [assistant] = (await post(`${url}/assistants/search`, { graph_id: "agent" })).body;
    const read = `${url}/assistants/${assistant.assistant_id}`;
    const first = await throughput(read, 10, window);
    await sleep(Math.max(0, 30_000 - (performance.now() - started)));
    const childRss = childrenRss(target.pid);
    const rss = await rssAfterGc(target.pid);
    const rest = await throughput(read, 10, window);
    const probe = probeOk(url);
    await probe.ready;
    const big = "v".repeat(2 * 1024 * 1024);
    const statuses = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const thread = await post(`${url}/threads`, { metadata: keys("t", 80) });
        if (thread.status !== 200) return thread.status;
        const run = await post(`${url}/threads/${thread.body.thread_id}/runs/wait`, {
          assistant_id: "agent",
          input: { messages: [{ role: "user", content: big }] },
          metadata: keys("r", 80),
        });
        return run.status;
      }),
    );
    const latencies = await probe.stop();
    return {
      startSeconds: target.startSeconds,
      firstReads: first.perSecond,
      restReads: rest.perSecond,
      rss,
      childRss,
      okP50: quantile(latencies, 0.5),
      okP99: p99(latencies),
      okMax: Math.max(...latencies),
      runs: statuses.join(","),
    };
  } finally {
    await target.stop();
  }
}

export const embeddedBench: Benchmark = {
  name: "embedded",
  description:
    "embedded default, PGlite on the HTTP thread (baseline) vs in its worker: reads after start, RSS at rest, /ok under 2 MiB-state runs",
  async run() {
    const quick = process.argv.includes("--quick");
    const figures: Record<string, ModeFigures> = {};
    for (const mode of MODES) figures[mode] = await measure(mode, quick);
    const rows: [string, (f: ModeFigures) => string][] = [
      ["start to /ok", (f) => `${f.startSeconds.toFixed(1)} s`],
      ["GET /assistants/:id right after /ok", (f) => `${f.firstReads.toFixed(0)}/s`],
      ["GET /assistants/:id at rest", (f) => `${f.restReads.toFixed(0)}/s`],
      ["RSS at rest, 30 s after start (after GC)", (f) => mb(f.rss)],
      ["RSS of child processes then", (f) => mb(f.childRss)],
      ["/ok p50 under 3 × 2 MiB-state runs", (f) => ms(f.okP50)],
      ["/ok p99 under 3 × 2 MiB-state runs", (f) => ms(f.okP99)],
      ["/ok max under 3 × 2 MiB-state runs", (f) => ms(f.okMax)],
      ["run statuses", (f) => f.runs],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log("embedded default (examples/basic, PGlite in memory)");
    console.log(`  ${"".padEnd(width)}  ${"HTTP thread".padStart(12)}  ${"worker".padStart(12)}`);
    for (const [label, value] of rows)
      console.log(
        `  ${label.padEnd(width)}  ${value(figures.main!).padStart(12)}  ${value(figures.worker!).padStart(12)}`,
      );
  },
};
