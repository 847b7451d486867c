/**
 * The cost of tenancy (issue 19): the same server with `tenancy.enabled` off and on, in the same
 * run, on metadata reads (`GET /assistants/:id`, `POST /threads/search`) and `POST /runs/wait`
 * (stateless, the trivial graph). On: each request carries an `olg_` key (hash lookup, role check,
 * org context) and every statement runs under row-level security. Rounds interleave the targets.
 * Goal: under 10 % slower. `npm run bench tenancy` (`TENANCY_ROUNDS`, default 3; `--quick`: 1).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../test/support/server.ts";
import type { Benchmark } from "./index.ts";
import { oursBin } from "./lib/compiled.ts";
import { measureLoad } from "./lib/load.ts";
import type { SuiteContext } from "./lib/suite.ts";
import { freePort, launch, ROOT, type RunningTarget } from "./lib/targets.ts";

const CONCURRENCY = 16;
const RUN_CONCURRENCY = 4;
type Backend = "pglite" | "postgres";

async function start(backend: Backend, tenancy: boolean) {
  const label = `tenancy ${tenancy ? "on" : "off"} (${backend})`;
  const config = path.join(ROOT, `bench/graphs/${tenancy ? "tenancy" : "open_langgraph"}.json`);
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "warn" };
  delete env.REDIS_URL;
  const databaseUrl = backend === "postgres" ? await createTestDatabase("olg_bench") : null;
  const dir = databaseUrl ? null : mkdtempSync(path.join(tmpdir(), "olg-bench-tenancy-"));
  const where = databaseUrl ? ["--database-url", databaseUrl] : ["--data-dir", dir!];
  let key: string | undefined;
  if (tenancy) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        oursBin(ROOT),
        "keys",
        "create",
        "--org",
        "default",
        "--role",
        "admin",
        "--config",
        config,
        ...where,
        "--json",
      ],
      { cwd: ROOT },
    );
    key = JSON.parse(stdout).key as string;
  }
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const port = await freePort();
  const args = [oursBin(ROOT), "serve", "--config", config, "--port", String(port)];
  args.push("--host", "127.0.0.1", "--log-level", "warn", ...(dir ? ["--data-dir", dir] : []));
  const running: RunningTarget = await launch(
    label,
    label,
    args,
    env,
    `http://127.0.0.1:${port}`,
    async () => {
      if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  );
  const headers: Record<string, string> = key ? { "x-api-key": key } : {};
  return { label, running, headers };
}

async function plan(url: string, headers: Record<string, string>) {
  const post = async (p: string, body: unknown) =>
    (
      await fetch(`${url}${p}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json() as Promise<Record<string, unknown>>;
  const a = await post("/assistants", { graph_id: "trivial" });
  for (let i = 0; i < 20; i++) await post("/threads", { metadata: { i } });
  return {
    "GET /assistants/:id": [
      { method: "GET" as const, path: `/assistants/${a.assistant_id}`, headers },
    ],
    "POST /threads/search": [
      { method: "POST" as const, path: "/threads/search", body: { limit: 10 }, headers },
    ],
    "POST /runs/wait": [
      {
        method: "POST" as const,
        path: "/runs/wait",
        body: { assistant_id: "trivial", input: {} },
        headers,
      },
    ],
  };
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The `tenancy` benchmark. */
export const tenancyBench: Benchmark = {
  name: "tenancy",
  description: "cost of API keys + row-level security: tenancy on vs off, same run",
  async run() {
    const quick = process.argv.includes("--quick");
    const ctx: SuiteContext = { log: (m) => console.error(m), quick };
    const rounds = quick ? 1 : Number(process.env.TENANCY_ROUNDS ?? 3);
    const backends: Backend[] = (await postgresAvailable()) ? ["pglite", "postgres"] : ["pglite"];
    for (const backend of backends) {
      const targets = [await start(backend, false), await start(backend, true)];
      const results = new Map<string, number[]>();
      try {
        const plans = await Promise.all(targets.map((t) => plan(t.running.url, t.headers)));
        const routes = Object.keys(plans[0]!) as (keyof (typeof plans)[0])[];
        for (let round = 0; round < rounds; round++)
          for (const route of routes)
            for (const [i, t] of targets.entries()) {
              const [rps] = await measureLoad(
                t.running.url,
                {
                  key: "x",
                  group: "x",
                  label: `${t.label} ${route} (round ${round + 1})`,
                  // A run is far slower than a read: fewer at once, longer, so each window completes some.
                  concurrency: route === "POST /runs/wait" ? RUN_CONCURRENCY : CONCURRENCY,
                  durationMs: (quick ? 2000 : 3000) * (route === "POST /runs/wait" ? 2 : 1),
                  requests: plans[i]![route],
                },
                ctx,
              );
              const k = `${t.label}|${route}`;
              results.set(k, [...(results.get(k) ?? []), rps?.value ?? Number.NaN]);
            }
        console.log(
          `\n### Tenancy cost on ${backend}, concurrency ${CONCURRENCY} (runs/wait ${RUN_CONCURRENCY}), median of ${rounds} rounds (req/s)\n`,
        );
        console.log("| route | tenancy off | tenancy on | on / off |");
        console.log("| --- | --- | --- | --- |");
        for (const route of routes) {
          const off = median(results.get(`${targets[0]!.label}|${route}`) ?? []);
          const on = median(results.get(`${targets[1]!.label}|${route}`) ?? []);
          console.log(
            `| ${route} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${(on / off).toFixed(3)} |`,
          );
        }
      } finally {
        for (const t of targets) await t.running.stop();
      }
    }
  },
};
