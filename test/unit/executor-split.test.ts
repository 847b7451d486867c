/**
 * Which servers run graphs in the executor thread and what each thread gets
 * (`src/server/executor-split.ts`): role `all` on every engine (SQLite too), the opt-outs, and the
 * pool split that keeps the process's pooled connections at what one thread had, and which run
 * the executor thread on demand (the embedded engines, `OLG_EXECUTOR_IDLE_SECONDS`).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load.ts";
import type { Settings } from "../../src/config/settings.ts";
import {
  DEFAULT_EXECUTOR_IDLE_SECONDS,
  DEFAULT_POOL_SIZE,
  executorIdleMs,
  executorThreadWanted,
  splitPool,
  splitSettings,
} from "../../src/server/executor-split.ts";

const dir = mkdtempSync(path.join(tmpdir(), "olg-split-"));
const settings = (env: Record<string, string>, role?: string): Settings =>
  loadSettings("serve", role ? { role } : {}, env, dir);

const PG = "postgres://u@127.0.0.1:5432/db";

describe("executorThreadWanted", () => {
  it("splits role all on PGlite, PostgreSQL, CockroachDB, MariaDB and SQLite", () => {
    for (const url of [
      undefined,
      "sqlite::memory:",
      "sqlite:./data.db",
      PG,
      `${PG}?engine=cockroachdb`,
      "mysql://root@127.0.0.1/db",
      "mariadb://root@127.0.0.1/db",
    ]) {
      const s = settings(url ? { DATABASE_URL: url } : {});
      expect(executorThreadWanted(s, {}), String(url)).toBe(true);
    }
  });

  it("keeps one thread with the opt-outs and for the api and worker roles", () => {
    const sqlite = settings({ DATABASE_URL: "sqlite::memory:" });
    expect(executorThreadWanted(sqlite, { OLG_EMBEDDED_EXECUTOR: "main" })).toBe(false);
    const pg = settings({ DATABASE_URL: PG });
    expect(executorThreadWanted(pg, { OLG_EMBEDDED_EXECUTOR: "main" })).toBe(false);
    expect(executorThreadWanted({ ...pg, executorThread: false }, {})).toBe(false);
    expect(executorThreadWanted(settings({ DATABASE_URL: PG }, "api"), {})).toBe(false);
    expect(executorThreadWanted(settings({ DATABASE_URL: PG }, "worker"), {})).toBe(false);
    // A storage plugin's scheme: nothing known of its engine, one thread.
    expect(executorThreadWanted({ ...pg, databaseUrl: "memplug://x" }, {})).toBe(false);
    expect(() => executorThreadWanted(pg, { OLG_EMBEDDED_EXECUTOR: "yes" })).toThrow(
      /thread or main/,
    );
  });
});

describe("splitPool / splitSettings", () => {
  it("splits the pool so the two threads hold what one did", () => {
    expect(splitPool(10)).toEqual({ api: 5, executor: 5 });
    expect(splitPool(7)).toEqual({ api: 4, executor: 3 });
    const { api, executor } = splitPool(DEFAULT_POOL_SIZE);
    expect(api + executor).toBe(DEFAULT_POOL_SIZE);
    expect(splitPool(2)).toEqual({ api: 2, executor: 2 }); // the floor: 2 each
  });

  it("gives each thread its role, pool and the run slots one thread had", () => {
    const { http, executor } = splitSettings(settings({ DATABASE_URL: PG }));
    expect([http.role, executor.role]).toEqual(["api", "worker"]);
    expect([http.poolSize, executor.poolSize]).toEqual([5, 5]);
    expect(executor.workers).toBeGreaterThanOrEqual(2);
    expect(executor.workers).toBeLessThanOrEqual(DEFAULT_POOL_SIZE - 2);
    expect(executor.warmSchemas).toBe(false);
    const configured = splitSettings({ ...settings({ DATABASE_URL: PG }), workers: 3 });
    expect(configured.executor.workers).toBe(3);
    // PGlite and SQLite: no pool to split (one connection, served to the executor over a port).
    const embedded = splitSettings(settings({}));
    expect(embedded.executor.poolSize).toBeUndefined();
    const sqlite = splitSettings(settings({ DATABASE_URL: "sqlite:./data.db" }));
    expect([sqlite.http.role, sqlite.executor.role]).toEqual(["api", "worker"]);
    expect(sqlite.executor.poolSize).toBeUndefined();
    expect(sqlite.executor.siblingWakeups).toBeUndefined();
  });
});

describe("executorIdleMs", () => {
  it("runs the thread on demand on PGlite and SQLite only (a networked database: always)", () => {
    const idle = DEFAULT_EXECUTOR_IDLE_SECONDS * 1000;
    expect(executorIdleMs(settings({}), {})).toBe(idle);
    expect(executorIdleMs(settings({ DATABASE_URL: "sqlite::memory:" }), {})).toBe(idle);
    expect(executorIdleMs(settings({ DATABASE_URL: PG }), {})).toBeNull();
    expect(executorIdleMs(settings({ DATABASE_URL: "mysql://root@127.0.0.1/db" }), {})).toBeNull();
  });

  it("reads OLG_EXECUTOR_IDLE_SECONDS: seconds, 0 keeps it running, anything else is refused", () => {
    const s = settings({});
    expect(executorIdleMs(s, { OLG_EXECUTOR_IDLE_SECONDS: "2.5" })).toBe(2500);
    expect(executorIdleMs(s, { OLG_EXECUTOR_IDLE_SECONDS: "0" })).toBeNull();
    for (const bad of ["-1", "soon", "Infinity"])
      expect(() => executorIdleMs(s, { OLG_EXECUTOR_IDLE_SECONDS: bad })).toThrow(
        /OLG_EXECUTOR_IDLE_SECONDS/,
      );
  });
});
