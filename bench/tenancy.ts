/**
 * The cost of tenancy (issue 19): the same server with `tenancy.enabled` off and on, in the same
 * run, on metadata reads (`GET /assistants/:id`, `POST /threads/search`) and `POST /runs/wait`
 * (stateless, the trivial graph). On: each request carries an `olg_` key (hash lookup, role check,
 * org context) and every statement runs under row-level security. Rounds interleave the targets.
 * Goal: under 10 % slower. `npm run bench tenancy` (`TENANCY_ROUNDS`, default 3; `--quick`: 1;
 * `TENANCY_BACKENDS=pglite,postgres`). Besides throughput it prints CPU per request from /proc
 * (`lib/cpu-per-request.ts`: the server process, and on PostgreSQL the database's backends too),
 * which other load on the machine skews far less than req/s.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../test/support/server.ts";
import type { LoadJob, LoadRequest, LoadResult } from "./client/http-load.ts";
import type { Benchmark } from "./index.ts";
import { runClient } from "./lib/client.ts";
import { oursBin } from "./lib/compiled.ts";
import { databaseCpu, processCpu } from "./lib/cpu-per-request.ts";
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
  return { label, running, headers, databaseUrl };
}

/** One window's figures: req/s, and CPU ms per answered request (server; database backends). */
interface Window {
  rps: number;
  cpuMs: number;
  dbCpuMs: number;
}

async function measure(
  t: Awaited<ReturnType<typeof start>>,
  requests: LoadRequest[],
  concurrency: number,
  durationMs: number,
  label: string,
): Promise<Window> {
  const job: LoadJob = {
    url: t.running.url,
    requests,
    concurrency,
    warmupMs: 1000,
    durationMs,
    timeoutMs: 30_000,
    drainMs: 10_000,
  };
  const server = processCpu(t.running.pid);
  const db = t.databaseUrl ? await databaseCpu(t.databaseUrl) : undefined;
  const r = await runClient<LoadResult>("http-load", job, { timeoutMs: durationMs + 60_000 });
  const cpu = await server.stop();
  const dbCpu = (await db?.stop()) ?? null;
  const per = (s: number | null) =>
    s == null || !r.answered ? Number.NaN : (s * 1000) / r.answered;
  const w = { rps: r.rps, cpuMs: per(cpu), dbCpuMs: per(dbCpu) };
  const note = r.errors ? ` [${r.errors} errors, first: ${r.firstError}]` : "";
  console.error(
    `  ${label}: ${w.rps.toFixed(1)} req/s, CPU ${w.cpuMs.toFixed(3)} ms/req (db ${w.dbCpuMs.toFixed(3)})${note}`,
  );
  return w;
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
    const rounds = quick ? 1 : Number(process.env.TENANCY_ROUNDS ?? 3);
    const wanted = process.env.TENANCY_BACKENDS?.split(",");
    const backends = ((await postgresAvailable()) ? ["pglite", "postgres"] : ["pglite"]).filter(
      (b) => !wanted || wanted.includes(b),
    ) as Backend[];
    for (const backend of backends) {
      const targets = [await start(backend, false), await start(backend, true)];
      const results = new Map<string, Window[]>();
      try {
        const plans = await Promise.all(targets.map((t) => plan(t.running.url, t.headers)));
        const routes = Object.keys(plans[0]!) as (keyof (typeof plans)[0])[];
        for (let round = 0; round < rounds; round++)
          for (const route of routes)
            for (const [i, t] of targets.entries()) {
              const runs = route === "POST /runs/wait";
              // A run is far slower than a read: fewer at once, longer, so each window completes some.
              const w = await measure(
                t,
                plans[i]![route],
                runs ? RUN_CONCURRENCY : CONCURRENCY,
                (quick ? 2000 : 3000) * (runs ? 2 : 1),
                `${t.label} ${route} (round ${round + 1})`,
              );
              const k = `${t.label}|${route}`;
              results.set(k, [...(results.get(k) ?? []), w]);
            }
        console.log(
          `\n### Tenancy cost on ${backend}, concurrency ${CONCURRENCY} (runs/wait ${RUN_CONCURRENCY}), median of ${rounds} rounds\n`,
        );
        console.log(
          "| route | req/s off | req/s on | on / off | CPU ms/req off | CPU ms/req on | off / on | db CPU ms/req off | on |",
        );
        console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (const route of routes) {
          const of = (i: number, f: keyof Window) =>
            median((results.get(`${targets[i]!.label}|${route}`) ?? []).map((w) => w[f]));
          const [off, on] = [of(0, "rps"), of(1, "rps")];
          const [cOff, cOn] = [of(0, "cpuMs"), of(1, "cpuMs")];
          const db = backend === "postgres" ? [of(0, "dbCpuMs"), of(1, "dbCpuMs")] : [];
          console.log(
            `| ${route} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${(on / off).toFixed(3)} | ${cOff.toFixed(3)} | ${cOn.toFixed(3)} | ${(cOff / cOn).toFixed(3)} | ${db.map((x) => x.toFixed(3)).join(" | ") || "- | -"} |`,
          );
        }
      } finally {
        for (const t of targets) await t.running.stop();
      }
    }
  },
};
