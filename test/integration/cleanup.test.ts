/**
 * Tests leave nothing behind: a server start that times out stops the process and drops its
 * database; a test process that is killed outright (a file timeout, a crashed worker) still gets
 * its servers stopped and its databases dropped by the janitor.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { guardProcess } from "../support/cleanup.ts";
import {
  PG_ADMIN_URL,
  postgresAvailable,
  ROOT,
  type StartError,
  startServer,
} from "../support/server.ts";

const pgUp = await postgresAvailable();
const backend = pgUp ? "postgres" : "pglite";
if (!pgUp) console.warn("[cleanup] PostgreSQL not reachable: database drops are not exercised");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function databaseExists(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const name = new URL(url).pathname.slice(1);
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

describe(`test cleanup (${backend})`, () => {
  it("a start that times out kills the server and drops its database", async () => {
    const error = (await startServer({
      backend,
      config: "test/fixtures/cleanup/open_langgraph.json",
      startTimeoutMs: 3000,
    }).catch((e: StartError) => e)) as StartError;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain("server did not start");
    const { pid, databaseUrl } = error.startInfo;
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    if (backend === "postgres") expect(databaseUrl).toMatch(/^postgres/);
    if (databaseUrl) expect(await databaseExists(databaseUrl)).toBe(false);
  }, 60_000);

  it("a killed test process still has its server stopped and its database dropped", async () => {
    const orphanScript = path.join(ROOT, "test/fixtures/cleanup/orphan.ts");
    const orphan = guardProcess(
      spawn(process.execPath, ["--import", "tsx/esm", orphanScript, backend], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    const report = await new Promise<{ pid: number; databaseUrl: string | null }>(
      (resolve, reject) => {
        let out = "";
        orphan.stdout!.on("data", (d: Buffer) => {
          out += d;
          const line = out.split("\n").find((l) => l.startsWith("{"));
          if (line) resolve(JSON.parse(line));
        });
        orphan.once("exit", (code) => reject(new Error(`orphan exited early (${code})`)));
      },
    );
    expect(alive(report.pid)).toBe(true);
    if (report.databaseUrl) expect(await databaseExists(report.databaseUrl)).toBe(true);
    orphan.kill("SIGKILL");
    expect(await until(() => !alive(report.pid), 30_000)).toBe(true);
    if (report.databaseUrl) {
      const url = report.databaseUrl;
      expect(await until(async () => !(await databaseExists(url)), 30_000)).toBe(true);
    }
  }, 240_000);
});
