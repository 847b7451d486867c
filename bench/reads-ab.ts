/**
 * Two builds of ours side by side on the metadata reads of `metadata.ts` (same seed: 200 threads,
 * 20 assistants), rounds interleaved A, B, A, B… so the shared machine's load hits both alike.
 * Per window: req/s and CPU ms per answered request of the server process and of the database
 * (PostgreSQL: the server's backends; MariaDB: the whole `mariadbd`, which has no per-connection
 * process, so other clients of it count too).
 *
 * `npx tsx bench/reads-ab.ts <A olg.js> <B olg.js>` with `AB_BACKEND=postgres|mariadb`,
 * `AB_ROUNDS` (default 4), `AB_ROUTES=search,thread,assistant` (default all), `AB_SECONDS` (3).
 * Build a package with `tsc -p tsconfig.build.json --outDir X/dist` plus `bin/` and
 * `package.json` beside it (the layout of `lib/compiled.ts`).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { createMariaDatabase, dropMariaDatabase } from "../test/support/mariadb.ts";
import { createTestDatabase, dropTestDatabase } from "../test/support/server.ts";
import type { LoadJob, LoadRequest, LoadResult } from "./client/http-load.ts";
import { pool, postJson } from "./lib/api.ts";
import { runClient } from "./lib/client.ts";
import { type CpuSpan, databaseCpu, processCpu } from "./lib/cpu-per-request.ts";
import { freePort, launch, ROOT } from "./lib/targets.ts";

const backend = process.env.AB_BACKEND === "mariadb" ? "mariadb" : "postgres";
const rounds = Number(process.env.AB_ROUNDS ?? 4);
const seconds = Number(process.env.AB_SECONDS ?? 3);
const routes = (process.env.AB_ROUTES ?? "search,thread,assistant").split(",");
const bins = process.argv.slice(2, 4);
if (bins.length !== 2) throw new Error("usage: reads-ab.ts <A olg.js> <B olg.js>");

function mariadbPid(): number {
  return Number(execFileSync("pgrep", ["-o", "mariadbd"]).toString().trim());
}

async function start(name: string, bin: string) {
  const url =
    backend === "postgres"
      ? await createTestDatabase("olg_bench")
      : await createMariaDatabase("olg_bench");
  const drop = () =>
    (backend === "postgres" ? dropTestDatabase(url) : dropMariaDatabase(url)).catch(() => {});
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: url };
  delete env.REDIS_URL;
  const port = await freePort();
  const config = path.join(ROOT, "bench/graphs/open_langgraph.json");
  const args = [bin, "serve", "--config", config, "--port", String(port), "--host", "127.0.0.1"];
  const running = await launch(
    name,
    name,
    [...args, "--log-level", "warn"],
    env,
    `http://127.0.0.1:${port}`,
    drop,
  );
  return { name, running, url };
}

async function seed(base: string): Promise<Record<string, LoadRequest[]>> {
  const tag = `bench-${Date.now()}`;
  const assistants = await pool([...Array(20).keys()], 8, (i) =>
    postJson<{ assistant_id: string }>(`${base}/assistants`, {
      graph_id: "trivial",
      name: `bench ${i}`,
      metadata: { bench: tag, i },
    }),
  );
  const threads = await pool([...Array(200).keys()], 8, (i) =>
    postJson<{ thread_id: string }>(`${base}/threads`, {
      metadata: { bench: tag, i, shard: i % 10 },
    }),
  );
  return {
    search: [...Array(10).keys()].map((shard) => ({
      method: "POST",
      path: "/threads/search",
      body: { metadata: { bench: tag, shard }, limit: 10 },
    })),
    thread: threads.map((t) => ({ method: "GET", path: `/threads/${t.thread_id}` })),
    assistant: assistants.map((a) => ({ method: "GET", path: `/assistants/${a.assistant_id}` })),
  };
}

interface Window {
  rps: number;
  cpuMs: number;
  dbCpuMs: number;
}

async function window(
  t: Awaited<ReturnType<typeof start>>,
  requests: LoadRequest[],
): Promise<Window> {
  const job: LoadJob = {
    url: t.running.url,
    requests,
    concurrency: 32,
    warmupMs: 1000,
    durationMs: seconds * 1000,
    timeoutMs: 30_000,
    drainMs: 10_000,
  };
  const server = processCpu(t.running.pid);
  const db: CpuSpan = backend === "postgres" ? await databaseCpu(t.url) : processCpu(mariadbPid());
  const r = await runClient<LoadResult>("http-load", job, { timeoutMs: seconds * 1000 + 60_000 });
  const per = (s: number | null) =>
    s == null || !r.answered ? Number.NaN : (s * 1000) / r.answered;
  const w = { rps: r.rps, cpuMs: per(await server.stop()), dbCpuMs: per(await db.stop()) };
  if (r.errors) console.error(`  ${t.name}: ${r.errors} errors, first: ${r.firstError}`);
  return w;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const targets = [await start("A", bins[0]!), await start("B", bins[1]!)];
try {
  const plans = await Promise.all(targets.map((t) => seed(t.running.url)));
  const results = new Map<string, Window[]>();
  for (let round = 0; round < rounds; round++)
    for (const route of routes)
      for (const [i, t] of (round % 2 ? [...targets].reverse() : targets).entries()) {
        const plan = plans[targets.indexOf(t)]![route]!;
        const w = await window(t, plan);
        console.error(
          `round ${round + 1} ${route} ${t.name}: ${w.rps.toFixed(0)} req/s, server ${w.cpuMs.toFixed(3)} ms/req, db ${w.dbCpuMs.toFixed(3)} ms/req${i < 0 ? "" : ""}`,
        );
        results.set(`${t.name}|${route}`, [...(results.get(`${t.name}|${route}`) ?? []), w]);
      }
  console.log(`\n${backend}, concurrency 32, ${seconds} s windows, median of ${rounds} rounds`);
  console.log("| route | req/s A | req/s B | server ms/req A | B | db ms/req A | B |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const route of routes) {
    const of = (n: string, f: keyof Window) =>
      median((results.get(`${n}|${route}`) ?? []).map((w) => w[f]));
    console.log(
      `| ${route} | ${of("A", "rps").toFixed(0)} | ${of("B", "rps").toFixed(0)} | ${of("A", "cpuMs").toFixed(3)} | ${of("B", "cpuMs").toFixed(3)} | ${of("A", "dbCpuMs").toFixed(3)} | ${of("B", "dbCpuMs").toFixed(3)} |`,
    );
  }
} finally {
  for (const t of targets) await t.running.stop();
}
