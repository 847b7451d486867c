/**
 * The per-request HTTP path (issue 24 goal 2): req/s of `GET /ok` (middleware only),
 * `GET /assistants/:id` and `POST /threads/search` on our server, each shown as a fraction of a
 * bare Hono route on `@hono/node-server` measured in the same run (the floor). Rounds interleave
 * the targets so a busy machine weighs on all alike. Backends: PostgreSQL (a fresh database, when
 * it answers) and PGlite in memory. `HTTP_PATH_BASELINE=<dir>` adds the same server from another
 * checkout (e.g. an earlier commit unpacked with `git archive`) for a before/after in one run.
 * `npm run bench http-path` (`HTTP_PATH_ROUNDS`, default 3; `--quick`: 1 round of 2 s).
 */
import path from "node:path";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../test/support/server.ts";
import type { Benchmark } from "./index.ts";
import { postJson } from "./lib/api.ts";
import { measureLoad } from "./lib/load.ts";
import type { SuiteContext } from "./lib/suite.ts";
import { freePort, launch, ROOT, type RunningTarget } from "./lib/targets.ts";

const CONCURRENCY = 32;
const CONFIG = path.join(ROOT, "bench/graphs/open_langgraph.json");

interface Target {
  label: string;
  start(): Promise<RunningTarget>;
}

function bareHono(): Target {
  return {
    label: "bare Hono route",
    async start() {
      const port = await freePort();
      return launch(
        "bare",
        "bare Hono route",
        ["--import", "tsx", path.join(ROOT, "bench/ceiling-server.ts"), "hono", String(port)],
        { ...process.env },
        `http://127.0.0.1:${port}`,
        async () => {},
      );
    },
  };
}

function ours(label: string, root: string, backend: "pglite" | "postgres"): Target {
  return {
    label,
    async start() {
      const port = await freePort();
      const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "warn" };
      delete env.REDIS_URL;
      const databaseUrl = backend === "postgres" ? await createTestDatabase("olg_bench") : null;
      if (databaseUrl) env.DATABASE_URL = databaseUrl;
      else delete env.DATABASE_URL;
      const args = [path.join(root, "bin/olg.js"), "serve", "--config", CONFIG];
      args.push("--port", String(port), "--host", "127.0.0.1", "--log-level", "warn");
      if (!databaseUrl) args.push("--in-memory");
      return launch(label, label, args, env, `http://127.0.0.1:${port}`, async () => {
        if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
      });
    },
  };
}

type Route = "ok" | "assistant" | "search";
const ROUTES: { key: Route; label: string }[] = [
  { key: "ok", label: "GET /ok" },
  { key: "assistant", label: "GET /assistants/:id" },
  { key: "search", label: "POST /threads/search" },
];

async function requestsFor(url: string, route: Route, bare: boolean) {
  if (bare || route === "ok") return [{ method: "GET" as const, path: "/ok" }];
  if (route === "assistant") {
    const a = await postJson<{ assistant_id: string }>(`${url}/assistants`, {
      graph_id: "trivial",
    });
    return [{ method: "GET" as const, path: `/assistants/${a.assistant_id}` }];
  }
  for (let i = 0; i < 20; i++) await postJson(`${url}/threads`, { metadata: { i } });
  return [{ method: "POST" as const, path: "/threads/search", body: { limit: 10 } }];
}

async function measureTargets(targets: Target[], ctx: SuiteContext, rounds: number) {
  const results = new Map<string, number[]>();
  const running = [];
  for (const t of targets) running.push({ t, r: await t.start() });
  try {
    const plans = new Map<string, Awaited<ReturnType<typeof requestsFor>>>();
    for (const { t, r } of running)
      for (const route of ROUTES)
        plans.set(
          `${t.label}|${route.key}`,
          await requestsFor(r.url, route.key, t.label.startsWith("bare")),
        );
    for (let round = 0; round < rounds; round++)
      for (const route of ROUTES)
        for (const { t, r } of running) {
          if (t.label.startsWith("bare") && route.key !== "ok") continue;
          const [rps] = await measureLoad(
            r.url,
            {
              key: "x",
              group: "x",
              label: `${t.label} ${route.label} (round ${round + 1})`,
              concurrency: CONCURRENCY,
              durationMs: ctx.quick ? 2000 : 3000,
              requests: plans.get(`${t.label}|${route.key}`)!,
            },
            ctx,
          );
          const key = `${t.label}|${route.key}`;
          results.set(key, [...(results.get(key) ?? []), rps?.value ?? Number.NaN]);
        }
  } finally {
    for (const { r } of running) await r.stop();
  }
  return results;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** The `http-path` benchmark. */
export const httpPathBench: Benchmark = {
  name: "http-path",
  description:
    "per-request HTTP path: GET /ok, GET /assistants/:id, POST /threads/search vs a bare Hono route",
  async run() {
    const quick = process.argv.includes("--quick");
    const ctx: SuiteContext = { log: (m) => console.error(m), quick };
    const rounds = quick ? 1 : Number(process.env.HTTP_PATH_ROUNDS ?? 3);
    const baseline = process.env.HTTP_PATH_BASELINE;
    const backends: ("postgres" | "pglite")[] = (await postgresAvailable())
      ? ["postgres", "pglite"]
      : ["pglite"];
    for (const backend of backends) {
      const targets = [bareHono(), ours(`ours ${backend}`, ROOT, backend)];
      if (baseline) targets.push(ours(`baseline ${backend}`, path.resolve(baseline), backend));
      const results = await measureTargets(targets, ctx, rounds);
      const floor = median(results.get("bare Hono route|ok") ?? []);
      console.log(
        `\n### HTTP path on ${backend}, concurrency ${CONCURRENCY}, median of ${rounds} rounds (req/s)\n`,
      );
      console.log("| target | route | req/s | fraction of bare Hono |");
      console.log("| --- | --- | --- | --- |");
      console.log(`| bare Hono route | GET /ok | ${floor.toFixed(0)} | 1 |`);
      for (const t of targets.slice(1))
        for (const route of ROUTES) {
          const v = median(results.get(`${t.label}|${route.key}`) ?? []);
          console.log(
            `| ${t.label} | ${route.label} | ${v.toFixed(0)} | ${(v / floor).toFixed(3)} |`,
          );
        }
    }
  },
};
