/**
 * The servers under test, each started in its own child process: the official
 * `@langchain/langgraph-api` dev server and ours on PGlite, PostgreSQL, PostgreSQL + Redis,
 * MariaDB (a fresh database, dropped after) and SQLite (a temp file, removed after).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createMariaDatabase,
  dropMariaDatabase,
  mariadbAvailable,
} from "../../test/support/mariadb.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
} from "../../test/support/server.ts";
import { oursBin } from "./compiled.ts";
import { officialPackage } from "./official.ts";

/** Repository root. */
export const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const GRAPHS_DIR = path.join(ROOT, "bench/graphs");
const OUR_CONFIG = path.join(GRAPHS_DIR, "open_langgraph.json");
const REDIS_URL = "redis://127.0.0.1:6379";
/** Node flags for every bench server: a full GC on SIGUSR2, for memory readings. */
const GC_HOOK = [
  "--expose-gc",
  "--import",
  pathToFileURL(path.join(ROOT, "bench/gc-hook.mjs")).href,
];

/** Target identifiers, in table order. */
export type TargetId =
  | "official"
  | "pglite"
  | "postgres-main"
  | "postgres"
  | "redis-main"
  | "redis"
  | "mariadb"
  | "sqlite-main"
  | "sqlite";

/** A started server. */
export interface RunningTarget {
  id: string;
  label: string;
  url: string;
  pid: number;
  /** Seconds from spawn to the first answered `GET /ok`. */
  startSeconds: number;
  stop(): Promise<void>;
}

/** A server we can start. */
export interface TargetSpec {
  id: TargetId;
  label: string;
  /** Null when startable, else why not. */
  unavailable(): Promise<string | null>;
  start(): Promise<RunningTarget>;
  /** Runs only when `--targets` names it (a same-run baseline, not a column of the document). */
  optIn?: boolean;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address == null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, host);
  });
}

/** Spawns a Node server process (`args` after `node`) and waits for `GET /ok`. */
export async function launch<Id extends string = TargetId>(
  id: Id,
  label: string,
  args: string[],
  env: Record<string, string | undefined>,
  url: string,
  cleanup: () => Promise<void>,
): Promise<RunningTarget & { id: Id }> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...GC_HOOK, ...args], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async () => {
    if (child.exitCode == null && child.signalCode == null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await cleanup();
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode != null) break;
    try {
      const res = await fetch(`${url}/ok`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        return {
          id,
          label,
          url,
          pid: child.pid as number,
          startSeconds: (performance.now() - started) / 1000,
          stop,
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`${label} did not start:\n${tail.join("").slice(-3000)}`);
}

function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.LANGSMITH_TRACING;
  delete env.LANGCHAIN_TRACING_V2;
  return env;
}

type Backend = "pglite" | "postgres" | "mariadb" | "sqlite";

/** A fresh database for `backend` and how to remove it (null: in memory). */
async function benchDatabase(backend: Backend): Promise<[string | null, () => Promise<void>]> {
  if (backend === "postgres") {
    const url = await createTestDatabase("olg_bench");
    return [url, () => dropTestDatabase(url).catch(() => {})];
  }
  if (backend === "mariadb") {
    const url = await createMariaDatabase("olg_bench");
    return [url, () => dropMariaDatabase(url).catch(() => {})];
  }
  if (backend === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "olg-bench-sqlite-"));
    return [
      `sqlite:${path.join(dir, "bench.db")}`,
      async () => rmSync(dir, { recursive: true, force: true }),
    ];
  }
  return [null, async () => {}];
}

function ours(id: TargetId, label: string, backend: Backend, redis: boolean, executor?: "main") {
  return async (): Promise<RunningTarget> => {
    const port = await freePort();
    const env = baseEnv();
    // The baseline of the executor thread (src/server/executor-split.ts): graphs on the HTTP thread.
    if (executor) env.OLG_EMBEDDED_EXECUTOR = executor;
    else delete env.OLG_EMBEDDED_EXECUTOR;
    const [databaseUrl, dropDatabase] = await benchDatabase(backend);
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    if (redis) env.REDIS_URL = REDIS_URL;
    const args = [
      oursBin(ROOT),
      "serve",
      "--config",
      OUR_CONFIG,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--log-level",
      "warn",
    ];
    // PGlite in memory, or on a data folder as `olg dev` / `olg serve` keep it (`BENCH_DATA_DIR`).
    const dataDir = process.env.BENCH_DATA_DIR;
    if (backend === "pglite") args.push(...(dataDir ? ["--data-dir", dataDir] : ["--in-memory"]));
    return launch(id, label, args, env, `http://127.0.0.1:${port}`, dropDatabase);
  };
}

async function officialStart(): Promise<RunningTarget> {
  const port = await freePort();
  const cwd = mkdtempSync(path.join(tmpdir(), "olg-bench-official-"));
  const graph = (name: string) => path.join(GRAPHS_DIR, `${name}.ts:graph`);
  const options = {
    port,
    host: "127.0.0.1",
    cwd,
    nWorkers: 10,
    graphs: { trivial: graph("trivial"), chat5: graph("chat5"), ticker: graph("ticker") },
  };
  const args = [
    "--import",
    "tsx",
    path.join(ROOT, "bench/official-server.ts"),
    officialPackage(ROOT).dir,
    JSON.stringify(options),
  ];
  const env = { ...baseEnv(), NODE_ENV: "development" };
  return launch("official", "official", args, env, `http://127.0.0.1:${port}`, async () => {
    rmSync(cwd, { recursive: true, force: true });
  });
}

/** Every target, in table order. */
export const TARGETS: TargetSpec[] = [
  {
    id: "official",
    label: "official (in-memory)",
    unavailable: async () => {
      try {
        officialPackage(ROOT);
        return null;
      } catch (error) {
        return `@langchain/langgraph-api could not be installed: ${(error as Error).message}`;
      }
    },
    start: officialStart,
  },
  {
    id: "pglite",
    label: "ours PGlite",
    unavailable: async () => null,
    start: ours("pglite", "ours PGlite", "pglite", false),
  },
  {
    id: "postgres-main",
    label: "ours PostgreSQL, executor=main",
    optIn: true,
    unavailable: async () => ((await postgresAvailable()) ? null : "PostgreSQL not reachable"),
    start: ours("postgres-main", "ours PostgreSQL, executor=main", "postgres", false, "main"),
  },
  {
    id: "postgres",
    label: "ours PostgreSQL",
    unavailable: async () => ((await postgresAvailable()) ? null : "PostgreSQL not reachable"),
    start: ours("postgres", "ours PostgreSQL", "postgres", false),
  },
  {
    id: "redis-main",
    label: "ours PG+Redis, executor=main",
    optIn: true,
    unavailable: async () =>
      (await postgresAvailable()) && (await tcpOpen("127.0.0.1", 6379))
        ? null
        : "PostgreSQL or Redis not reachable",
    start: ours("redis-main", "ours PG+Redis, executor=main", "postgres", true, "main"),
  },
  {
    id: "redis",
    label: "ours PG+Redis",
    unavailable: async () => {
      if (!existsSync(path.join(ROOT, "src/cache"))) return "no Redis cache in this build";
      if (!(await postgresAvailable())) return "PostgreSQL not reachable";
      return (await tcpOpen("127.0.0.1", 6379)) ? null : "Redis not reachable";
    },
    start: ours("redis", "ours PG+Redis", "postgres", true),
  },
  {
    id: "mariadb",
    label: "ours MariaDB",
    unavailable: async () => ((await mariadbAvailable()) ? null : "MariaDB not reachable"),
    start: ours("mariadb", "ours MariaDB", "mariadb", false),
  },
  {
    id: "sqlite-main",
    label: "ours SQLite, executor=main",
    optIn: true,
    unavailable: sqliteMissing,
    start: ours("sqlite-main", "ours SQLite, executor=main", "sqlite", false, "main"),
  },
  {
    id: "sqlite",
    label: "ours SQLite",
    unavailable: sqliteMissing,
    start: ours("sqlite", "ours SQLite", "sqlite", false),
  },
];

async function sqliteMissing(): Promise<string | null> {
  try {
    await import("better-sqlite3" as string);
    return null;
  } catch {
    return "better-sqlite3 is not installed";
  }
}
