/**
 * Start-up cost of the `olg` command, which dominates the test suite's CPU (it starts dozens of
 * servers and hundreds of CLI processes): for `olg serve --test-mode` on the test fixtures (PGlite
 * in memory, and a fresh PostgreSQL database when one answers), the median time from spawn to the
 * first 200 from GET /ok and the user + system CPU seconds the process used by then; for
 * `olg --version` and `olg migrate status` (PGlite), median wall time and CPU of the whole run.
 * The same-run floor is a bare `node -e ""` (no import at all), so numbers from machines of
 * different speed compare by their distance to it. `npm run bench startup` (`STARTUP_RUNS=N`,
 * default 5; `--quick` does 2). Linux only (CPU from /proc).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Benchmark } from "./index.ts";
import { oursBin } from "./lib/compiled.ts";
import { cpuSeconds } from "./lib/proc.ts";
import { median } from "./lib/stats.ts";
import { ROOT } from "./lib/targets.ts";

/** Our `olg` entry as the bench runs it (compiled on first use, `lib/compiled.ts`). */
const olg = () => oursBin(ROOT);
const CONFIG = path.join(ROOT, "test/fixtures/graphs/open_langgraph.json");
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TICKS_PER_SECOND = 100;

/** One measured run: wall seconds and user + system CPU seconds. */
export interface Sample {
  wall: number;
  cpu: number;
}

/** CPU seconds of this process's waited-for children (cutime + cstime), from /proc/self/stat. */
function childrenCpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf-8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3; cutime is field 16, cstime field 17.
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/** Runs a command to completion; its wall time and the CPU it (and its children) used. */
export async function timeCommand(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = ROOT,
): Promise<Sample> {
  const cpu0 = childrenCpu();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: "ignore" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${args.join(" ")} exited with ${code}`);
  return { wall, cpu: childrenCpu() - cpu0 };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  const gone = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

/** Starts `olg serve`; time to the first 200 from /ok and the CPU the process used until then. */
export async function timeServerStart(env: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  const port = await freePort();
  const args = [olg(), "serve", "--config", CONFIG, "--port", String(port), "--test-mode"];
  // As the tests start it: PGlite in memory unless DATABASE_URL names PostgreSQL.
  if (!env.DATABASE_URL) args.push("--in-memory");
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  try {
    for (;;) {
      if (child.exitCode != null) throw new Error(`server exited early:\n${stderr}`);
      if (performance.now() - t0 > 120_000) throw new Error(`no /ok after 120 s:\n${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/ok`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        const wall = (performance.now() - t0) / 1000;
        const cpu = cpuSeconds(child.pid!);
        if (cpu == null) throw new Error("server gone before its CPU was read");
        return { wall, cpu };
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await stop(child);
  }
}

/** A fresh PostgreSQL database for one run, or null when PostgreSQL does not answer. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `olg_bench_startup_${process.pid}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

function row(label: string, samples: Sample[], floor?: Sample): string {
  const wall = median(samples.map((s) => s.wall))!;
  const cpu = median(samples.map((s) => s.cpu))!;
  const over = floor
    ? `  (+${(wall - floor.wall).toFixed(2)} s / +${(cpu - floor.cpu).toFixed(2)} s)`
    : "";
  return `  ${label.padEnd(44)} ${wall.toFixed(2).padStart(6)} s ${cpu.toFixed(2).padStart(6)} s${over}`;
}

export const startupBench: Benchmark = {
  name: "startup",
  description: "olg serve time-to-/ok and CPU (PGlite, PostgreSQL), olg --version, migrate status",
  async run() {
    const quick = process.argv.includes("--quick");
    const runs = Number(process.env.STARTUP_RUNS ?? (quick ? 2 : 5));
    // A scratch working directory: `olg` writes nothing into the repository this way.
    const cwd = mkdtempSync(path.join(os.tmpdir(), "olg-bench-startup-"));
    const data = path.join(cwd, "data");
    const env = { ...process.env, DATABASE_URL: "", REDIS_URL: "", NODE_OPTIONS: "" };
    const floor: Sample[] = [];
    const version: Sample[] = [];
    const status: Sample[] = [];
    const pglite: Sample[] = [];
    const postgres: Sample[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        floor.push(await timeCommand(["-e", ""], env, cwd));
        version.push(await timeCommand([olg(), "--version"], env, cwd));
        status.push(
          await timeCommand(
            [olg(), "migrate", "status", "--config", CONFIG, "--data-dir", data],
            env,
            cwd,
          ),
        );
        pglite.push(await timeServerStart(env, cwd));
        const db = await freshDatabase();
        if (db) {
          try {
            postgres.push(await timeServerStart({ ...env, DATABASE_URL: db.url }, cwd));
          } finally {
            await db.drop();
          }
        }
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    const base = { wall: median(floor.map((s) => s.wall))!, cpu: median(floor.map((s) => s.cpu))! };
    console.log(`startup (median of ${runs}; wall, user+sys CPU; in brackets: over the floor)`);
    console.log(row('floor: node -e ""', floor));
    console.log(row("olg --version", version, base));
    console.log(row("olg migrate status (PGlite)", status, base));
    console.log(row("olg serve --test-mode, PGlite, to /ok", pglite, base));
    if (postgres.length)
      console.log(row("olg serve --test-mode, PostgreSQL, to /ok", postgres, base));
    else console.log("  olg serve on PostgreSQL: skipped (no PostgreSQL at BENCH_PG_URL)");
  },
};
