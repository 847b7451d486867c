/**
 * Starts real server processes for black-box tests: `node bin/olg.js serve --test-mode` on PGlite
 * (in memory) or on a fresh PostgreSQL database, exactly as operators start it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { guardDatabase, guardProcess, releaseDatabase } from "./cleanup.ts";
import { createMariaDatabase, dropMariaDatabase, mariadbAvailable } from "./mariadb.ts";

export const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const BIN = path.join(ROOT, "bin/olg.js");
/** Admin URL of the local PostgreSQL used for tests. */
export const PG_ADMIN_URL =
  process.env.OLG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_TEST_URL = process.env.OLG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export type BackendName = "pglite" | "postgres" | "mariadb" | "sqlite";

/** A started server process. */
export interface TestServer {
  url: string;
  backend: BackendName;
  databaseUrl: string | null;
  child: ChildProcess;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Whether PostgreSQL answers on the test URL. */
export async function postgresAvailable(url = PG_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates an empty database and returns its URL; with `template` (a database URL of ours that no
 * one is connected to), a copy of that database instead.
 */
export async function createTestDatabase(prefix = "olg_test", template?: string): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const from = template ? ` TEMPLATE ${new URL(template).pathname.slice(1)}` : "";
    await client.query(`CREATE DATABASE ${name}${from}`);
  } finally {
    await client.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  guardDatabase(url.toString(), PG_ADMIN_URL);
  return url.toString();
}

/** Drops a database created by `createTestDatabase`. */
export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  releaseDatabase(databaseUrl);
}

/** Options for `startServer`. */
export interface StartOptions {
  backend: BackendName;
  /** Config file path (absolute or relative to the repo root). */
  config?: string;
  /** Use this database instead of creating one (postgres backend). */
  databaseUrl?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Extra CLI arguments. */
  args?: string[];
  /** PGlite data folder; in memory when absent. */
  dataDir?: string;
  testMode?: boolean;
  /** How long the server may take to listen (default 120 s: a cold start on a loaded CI box). */
  startTimeoutMs?: number;
  /**
   * Run graphs in the executor thread, the product's default for role `all` (no
   * `OLG_EMBEDDED_EXECUTOR` in the server's environment). Off by default here: the server runs
   * with `OLG_EMBEDDED_EXECUTOR=main` (the documented opt-out), unless `env` or this shell sets the
   * variable. The thread is a second isolate that loads every module and graph again: ~7 s of CPU
   * per start on this 2-core machine (18 s -> 11 s, `olg serve` to `/ok` plus 8 s), and four
   * integration files went 102 s -> 68 s without it (same run). Files whose subject is the
   * default as users run it keep it: the conformance suites' shared servers (global-setup.ts),
   * the stall, fault and cache files of the thread, the log feed, the admin UI, and tenancy on
   * the embedded database (the PGlite worker's org replay, the thread-shared quota counters).
   */
  executorThread?: boolean;
}

export const TEST_CONFIG = path.join(ROOT, "test/fixtures/graphs/open_langgraph.json");

/** Why a server did not start; the process and database it had are gone by then. */
export interface StartError extends Error {
  startInfo: { pid: number; databaseUrl: string | null };
}

/** Starts a server process and waits until it listens. */
export async function startServer(options: StartOptions): Promise<TestServer> {
  const ownsDb = options.backend !== "pglite" && !options.databaseUrl;
  const databaseUrl =
    options.backend === "pglite"
      ? null
      : (options.databaseUrl ??
        (options.backend === "mariadb"
          ? await createMariaDatabase()
          : options.backend === "sqlite"
            ? createSqliteFile()
            : await createTestDatabase()));
  const dropDb = async (url: string) =>
    options.backend === "mariadb"
      ? dropMariaDatabase(url)
      : options.backend === "sqlite"
        ? removeSqliteFile(url)
        : dropTestDatabase(url);
  const args = [
    BIN,
    "serve",
    "--config",
    path.resolve(ROOT, options.config ?? TEST_CONFIG),
    "--port",
    "0",
  ];
  if (options.testMode !== false) args.push("--test-mode");
  if (options.backend === "pglite")
    args.push(...(options.dataDir ? ["--data-dir", options.dataDir] : ["--in-memory"]));
  args.push(...(options.args ?? []));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: "info",
    // No background schema warm-up (a TypeScript program of every fixture graph, ~7 s of CPU per
    // start) unless a test asks for it: most files never read a schema, and those that do get the
    // same schemas parsed on demand. The shared conformance servers warm (global-setup.ts).
    OLG_WARM_SCHEMAS: process.env.OLG_WARM_SCHEMAS ?? "0",
    OLG_EMBEDDED_EXECUTOR: process.env.OLG_EMBEDDED_EXECUTOR ?? "main",
    ...options.env,
  };
  if (options.executorThread && !options.env?.OLG_EMBEDDED_EXECUTOR)
    delete env.OLG_EMBEDDED_EXECUTOR;
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  // The IPC channel makes the server stop when this process ends (see cli/serve.ts); the guard
  // kills it in any case (cleanup.ts).
  const child = guardProcess(
    spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe", "ipc"] }),
  );
  const logs: string[] = [];
  const kill = async () => {
    if (child.exitCode == null && child.signalCode == null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    if (ownsDb && databaseUrl) await dropDb(databaseUrl).catch(() => {});
  };
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${logs.join("\n")}`)),
      // Generous: a cold tsx transform of the whole tree on a loaded CI box can take a minute.
      options.startTimeoutMs ?? 120_000,
    );
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        logs.push(line);
        if (logs.length > 5000) logs.shift();
        try {
          const parsed = JSON.parse(line);
          if (parsed.msg === "server listening") {
            clearTimeout(timer);
            resolve(parsed.url);
          }
        } catch {
          // not a JSON log line
        }
      }
    };
    child.stdout!.on("data", onLine);
    child.stderr!.on("data", onLine);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join("\n")}`));
    });
  });
  // A server that did not come up is stopped and its database dropped before the error is thrown.
  const url = await listening.catch(async (error: StartError) => {
    await kill();
    error.startInfo = { pid: child.pid ?? 0, databaseUrl };
    throw error;
  });
  return {
    url,
    backend: options.backend,
    databaseUrl,
    child,
    logs,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode == null && child.signalCode == null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill(signal);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          exited,
          new Promise((r) => {
            timer = setTimeout(r, 15_000);
          }),
        ]);
        clearTimeout(timer);
        if (child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
      }
      if (ownsDb && databaseUrl) await dropDb(databaseUrl).catch(() => {});
    },
  };
}

/**
 * The backends server-level tests that start their own servers (integration, `serverBackends`) run
 * on unless `OLG_TEST_BACKENDS` names others.
 */
export const DEFAULT_BACKENDS = "pglite,postgres";

/**
 * The shared servers of the conformance project (`global-setup.ts`), one per backend, started in
 * parallel: every engine passes the SDK conformance suite (issue 21). Measured 2026-11-30 on a
 * machine at load 15-20 (noisy): MariaDB adds ~280 s and SQLite ~170 s of summed test time over 2
 * workers, against ~340 s for PGlite (timeouts excluded): about 2 and 1.5 minutes of wall there.
 * `OLG_TEST_BACKENDS=pglite,postgres` (or this constant) narrows it back.
 */
export const DEFAULT_CONFORMANCE_BACKENDS = "pglite,postgres,mariadb,sqlite";

/**
 * The backends storage-level tests (storage contract suites, checkpoint validation) run on unless
 * `OLG_TEST_BACKENDS` names others: SQLite is in process and cheap there (same run, 2026-11-30:
 * ~7 s of test time on SQLite against ~19 s on PGlite for the whole storage project); MariaDB
 * makes one database per suite, dropped after it.
 */
export const DEFAULT_STORAGE_BACKENDS = "pglite,postgres,mariadb,sqlite";

/** Whether `OLG_TEST_BACKENDS` (default `defaults`, `DEFAULT_BACKENDS`) names `backend`. */
export function backendWanted(backend: BackendName, defaults = DEFAULT_BACKENDS): boolean {
  return (process.env.OLG_TEST_BACKENDS ?? defaults).includes(backend);
}

/**
 * The backends a server-level test runs on: PGlite always, PostgreSQL and MariaDB when they
 * answer (and `OLG_TEST_BACKENDS`, if set, names them). A missing one is announced with `label`.
 */
export async function serverBackends(label: string): Promise<BackendName[]> {
  const out: BackendName[] = ["pglite"];
  if (backendWanted("postgres")) {
    if (await postgresAvailable()) out.push("postgres");
    else console.warn(`\n*** PostgreSQL is not reachable: ${label} runs without it ***\n`);
  }
  if (backendWanted("mariadb")) {
    if (await mariadbAvailable()) out.push("mariadb");
    else console.warn(`\n*** MariaDB is not reachable: ${label} runs without it ***\n`);
  }
  if (backendWanted("sqlite")) out.push("sqlite");
  return out;
}

let sqliteFiles = 0;

/** A `sqlite:` URL naming a new file under the OS temp folder (the server creates it). */
function createSqliteFile(): string {
  return `sqlite:${path.join(os.tmpdir(), `olg_test_${process.pid}_${Date.now()}_${++sqliteFiles}.sqlite`)}`;
}

/** Removes the file of a `sqlite:` URL and its WAL. */
function removeSqliteFile(url: string): void {
  const file = url.slice("sqlite:".length);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}
