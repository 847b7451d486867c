/**
 * Metadata cache benchmark: the same PostgreSQL database served once without Redis (every read
 * hits PostgreSQL) and once with the Redis-backed cache, in one run. For GET /assistants/:id,
 * GET /threads/:id and POST /threads/search it measures throughput and latency at a fixed
 * concurrency from a separate load-generator process, and the PostgreSQL read load of each pass
 * (`pg_stat_database` deltas for the benchmark database: transactions and rows read, taken after
 * the server stopped so every backend has flushed its counters). Loopback only, ~1 minute.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import {
  createTestDatabase,
  dropTestDatabase,
  REDIS_TEST_URL,
  ROOT,
  startServer,
  type TestServer,
} from "../test/support/server.ts";
import type { Benchmark } from "./index.ts";
import type { LoadResult, LoadSpec } from "./load.ts";

const CONCURRENCY = 16;
const DURATION_MS = 4_000;
const ASSISTANTS = 50;
const THREADS = 200;
const GROUPS = 10;

interface PgCounters {
  xact: number;
  rows: number;
}

type Endpoint = { name: string; requests: LoadSpec["requests"] };

async function pgCounters(databaseUrl: string): Promise<PgCounters> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT xact_commit + xact_rollback AS xact, tup_returned + tup_fetched AS rows FROM pg_stat_database WHERE datname = $1",
      [name],
    );
    return { xact: Number(rows[0]?.xact ?? 0), rows: Number(rows[0]?.rows ?? 0) };
  } finally {
    await client.end();
  }
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "bench/load-worker.ts"), JSON.stringify(spec)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load exit ${code}`)),
    );
  });
}

async function json(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Creates the assistants and threads every pass reads. */
async function seed(url: string) {
  const assistants: string[] = [];
  const threads: string[] = [];
  for (let i = 0; i < ASSISTANTS; i++)
    assistants.push(
      (await json(`${url}/assistants`, { graph_id: "agent", name: `bench-${i}`, metadata: { i } }))
        .assistant_id,
    );
  for (let i = 0; i < THREADS; i++)
    threads.push(
      (await json(`${url}/threads`, { metadata: { bench_group: i % GROUPS, i } })).thread_id,
    );
  return { assistants, threads };
}

function endpoints(url: string, ids: { assistants: string[]; threads: string[] }): Endpoint[] {
  return [
    {
      name: "GET /assistants/:id",
      requests: ids.assistants.map((id) => ({ method: "GET", url: `${url}/assistants/${id}` })),
    },
    {
      name: "GET /threads/:id",
      requests: ids.threads.map((id) => ({ method: "GET", url: `${url}/threads/${id}` })),
    },
    {
      name: "POST /threads/search",
      requests: [...Array(GROUPS).keys()].map((g) => ({
        method: "POST",
        url: `${url}/threads/search`,
        body: JSON.stringify({ metadata: { bench_group: g }, limit: 10 }),
      })),
    },
  ];
}

interface Pass {
  results: Map<string, LoadResult>;
  pg: PgCounters;
  requests: number;
  cache?: { hits: number; misses: number };
}

async function cacheCounts(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith(`${name}{`))
      .reduce((s, l) => s + Number(l.split(" ").at(-1)), 0);
  return { hits: sum("olg_cache_hits_total"), misses: sum("olg_cache_misses_total") };
}

/** PostgreSQL 15 backends flush their statistics at most 10 s after they went idle. */
const STATS_FLUSH_MS = 11_000;

async function pass(
  databaseUrl: string,
  env: Record<string, string>,
  ids: { assistants: string[]; threads: string[] } | undefined,
): Promise<{ pass: Pass; ids: { assistants: string[]; threads: string[] } }> {
  const server: TestServer = await startServer({ backend: "postgres", databaseUrl, env });
  try {
    const seeded = ids ?? (await seed(server.url));
    const eps = endpoints(server.url, seeded);
    // Warm-up (connections, JIT, and for the cache pass the first misses), then let the
    // backends flush their counters so the snapshot below does not include it.
    for (const ep of eps) await load({ requests: ep.requests, concurrency: 4, durationMs: 700 });
    await new Promise((r) => setTimeout(r, STATS_FLUSH_MS));
    const before = await pgCounters(databaseUrl);
    const results = new Map<string, LoadResult>();
    for (const ep of eps)
      results.set(
        ep.name,
        await load({ requests: ep.requests, concurrency: CONCURRENCY, durationMs: DURATION_MS }),
      );
    const cache = env.REDIS_URL ? await cacheCounts(server.url) : undefined;
    await server.stop(); // exiting backends flush their counters
    await new Promise((r) => setTimeout(r, 500));
    const after = await pgCounters(databaseUrl);
    const requests = [...results.values()].reduce((s, r) => s + r.requests, 0);
    return {
      pass: {
        results,
        requests,
        cache,
        pg: { xact: after.xact - before.xact, rows: after.rows - before.rows },
      },
      ids: seeded,
    };
  } finally {
    await server.stop().catch(() => {});
  }
}

const pct = (before: number, after: number) =>
  before === 0 ? "n/a" : `${(((after - before) / before) * 100).toFixed(0)}%`;
const f = (n: number, d = 1) => n.toFixed(d);

function report(base: Pass, cached: Pass): void {
  const rows: string[][] = [
    [
      "endpoint",
      "rps PG",
      "rps cache",
      "Δ rps",
      "mean ms PG",
      "mean ms cache",
      "Δ mean",
      "p99 PG",
      "p99 cache",
    ],
  ];
  for (const [name, a] of base.results) {
    const b = cached.results.get(name) as LoadResult;
    rows.push([
      name,
      f(a.rps, 0),
      f(b.rps, 0),
      pct(a.rps, b.rps),
      f(a.meanMs, 2),
      f(b.meanMs, 2),
      pct(a.meanMs, b.meanMs),
      f(a.p99Ms, 2),
      f(b.p99Ms, 2),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
  const per1k = (p: Pass, v: number) => (v / Math.max(1, p.requests)) * 1000;
  console.log("\nPostgreSQL read load during the measured load (pg_stat_database deltas):");
  console.log(
    `  transactions: ${base.pg.xact} for ${base.requests} requests (${f(per1k(base, base.pg.xact), 0)}/1k req) without Redis` +
      ` -> ${cached.pg.xact} for ${cached.requests} requests (${f(per1k(cached, cached.pg.xact), 0)}/1k req) with the cache` +
      ` (${pct(per1k(base, base.pg.xact), per1k(cached, cached.pg.xact))} per request)`,
  );
  console.log(
    `  rows read:    ${base.pg.rows} (${f(per1k(base, base.pg.rows), 0)}/1k req) -> ${cached.pg.rows} (${f(per1k(cached, cached.pg.rows), 0)}/1k req)` +
      ` (${pct(per1k(base, base.pg.rows), per1k(cached, cached.pg.rows))} per request)`,
  );
  if (cached.cache) {
    const { hits, misses } = cached.cache;
    console.log(
      `  cache (whole cached server lifetime incl. warm-up): ${hits} hits, ${misses} misses (${f((hits / Math.max(1, hits + misses)) * 100)}% hit rate)`,
    );
  }
  console.log(
    `\n(${CONCURRENCY} concurrent connections, ${DURATION_MS / 1000} s per endpoint, ${ASSISTANTS} assistants / ${THREADS} threads, loopback; the PostgreSQL counters also include the server's own background queries: run-queue sweeps, lease checks)`,
  );
}

/** The cache benchmark. */
export const cacheBench: Benchmark = {
  name: "cache",
  description: "metadata reads on PostgreSQL without Redis vs with the Redis-backed cache",
  async run() {
    const databaseUrl = await createTestDatabase("olg_bench");
    try {
      const base = await pass(databaseUrl, {}, undefined);
      const cached = await pass(databaseUrl, { REDIS_URL: REDIS_TEST_URL }, base.ids);
      report(base.pass, cached.pass);
    } finally {
      await dropTestDatabase(databaseUrl);
    }
  },
};
