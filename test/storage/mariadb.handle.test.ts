/**
 * The MySQL/MariaDB handle on the local MariaDB (skipped loudly when it does not answer): the
 * migrations (same versions as PostgreSQL, idempotent under the named lock), wake-ups across two
 * processes' handles without Redis (polled table) and with Redis (pub/sub), exact string
 * comparison (binary no-pad collation), every nasty string round-tripping, a killed connection
 * classified as a connection loss, and a notification that never waits for a second connection.
 */
import { sql } from "kysely";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnectionError } from "../../src/storage/connection-errors.ts";
import { MIGRATIONS } from "../../src/storage/migrate.ts";
import { migrateMysql } from "../../src/storage/mysql/migrate.ts";
import { type MysqlStorageHandle, openMysql } from "../../src/storage/mysql/open.ts";
import { exactCollation } from "../../src/storage/mysql/pool.ts";
import { ensureVectorTable } from "../../src/store/vectors.ts";
import {
  createMariaDatabase,
  dropMariaDatabase,
  MARIADB_ADMIN_URL,
  mariadbAvailable,
} from "../support/mariadb.ts";
import { NASTY } from "../support/nasty-strings.ts";
import { until } from "../support/poll.ts";
import { REDIS_TEST_URL } from "../support/server.ts";

const up = await mariadbAvailable();
if (!up) console.warn("\n*** MariaDB is not reachable: mariadb.handle runs nowhere ***\n");

describe.runIf(up)("MariaDB storage handle", () => {
  let url: string;
  let a: MysqlStorageHandle;
  let b: MysqlStorageHandle;

  beforeAll(async () => {
    url = await createMariaDatabase("olg_handle");
    [a, b] = await Promise.all([
      openMysql({ url, poolSize: 3, pollMs: 20 }),
      openMysql({ url, poolSize: 3, pollMs: 20 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    if (url) await dropMariaDatabase(url);
  });

  it("records the PostgreSQL migration versions and names, and a second run applies nothing", async () => {
    const rows = await a.db.selectFrom("olg_migrations").select(["version", "name"]).execute();
    expect(rows.map((r) => [Number(r.version), r.name])).toEqual(
      MIGRATIONS.map((m) => [m.version, m.name]),
    );
    const version = (await sql<{ v: string }>`SELECT VERSION() AS v`.execute(a.db)).rows[0]!.v;
    expect(await migrateMysql(a.db, exactCollation(version))).toEqual([]);
  });

  it("delivers a notification to another handle by polling, and at once to its own", async () => {
    const onA: string[] = [];
    const onB: string[] = [];
    await a.listen("olg_test", (p) => onA.push(p));
    await b.listen("olg_test", (p) => onB.push(p));
    await a.notify("olg_test", "one");
    await until(() => onB.includes("one") && onA.includes("one"), 5000);
    expect(onA).toEqual(["one"]); // not a second time through the table
    expect(b.wakeupStats()).toMatchObject({ mode: "poll" });
    expect(b.wakeupStats().polls).toBeGreaterThan(0);
    expect(b.wakeupStats().delivered).toBeGreaterThan(0);
  });

  it("compares strings exactly: case, trailing spaces and accents differ", async () => {
    const r = await sql<{ ci: number; pad: number; acc: number }>`
      SELECT ${"a"} = ${"A"} AS ci, ${"a"} = ${"a "} AS pad, ${"e"} = ${"é"} AS acc`.execute(a.db);
    expect(r.rows[0]).toEqual({ ci: 0, pad: 0, acc: 0 });
    const id = "00000000-0000-4000-8000-000000000001";
    await a.db
      .insertInto("threads")
      .values({ thread_id: id, metadata: "{}", config: "{}", status: "idle", interrupts: "{}" })
      .execute();
    const hit = await a.db
      .selectFrom("threads")
      .select("thread_id")
      .where("status", "=", "IDLE")
      .execute();
    expect(hit).toEqual([]);
  });

  it("round-trips every nasty string through a text column", async () => {
    for (const [i, s] of NASTY.entries()) {
      const id = `00000000-0000-4000-8000-1000000000${String(i).padStart(2, "0")}`;
      await a.db
        .insertInto("threads")
        .values({
          thread_id: id,
          metadata: "{}",
          config: "{}",
          status: "idle",
          interrupts: "{}",
          ttl_strategy: s.slice(0, 30),
        })
        .execute();
      const row = await a.db
        .selectFrom("threads")
        .select(["ttl_strategy"])
        .where("thread_id", "=", id)
        .executeTakeFirstOrThrow();
      expect(row.ttl_strategy).toBe(s.slice(0, 30));
    }
  });

  it("classifies a killed connection as a connection loss", async () => {
    const victim = await mysql.createConnection({ uri: url });
    const [rows] = await victim.query("SELECT CONNECTION_ID() AS id");
    const id = (rows as { id: number }[])[0]!.id;
    const admin = await mysql.createConnection({ uri: MARIADB_ADMIN_URL });
    await admin.query(`KILL CONNECTION ${Number(id)}`);
    await admin.end();
    const error = await victim.query("SELECT 1").catch((e: unknown) => e);
    victim.destroy();
    expect(error).toBeInstanceOf(Error);
    expect(isConnectionError(error)).toBe(true);
    expect(isConnectionError(new Error("Duplicate entry 'x' for key 'PRIMARY'"))).toBe(false);
  });
});

describe.runIf(up)("MariaDB notifications on a full pool", () => {
  it("a statement's notification waits for no second connection: a pool of one notifies outside and inside a transaction", async () => {
    const url = await createMariaDatabase("olg_handle");
    const opened: MysqlStorageHandle[] = [];
    try {
      opened.push(await openMysql({ url, poolSize: 1, pollMs: 20 }));
      opened.push(await openMysql({ url, poolSize: 1, pollMs: 20 }));
      const [x, y] = opened as [MysqlStorageHandle, MysqlStorageHandle];
      const got: string[] = [];
      await y.listen("olg_full", (p) => got.push(p));
      // The polling carrier writes through the pool: before, each of these waited for a second
      // connection of a pool of one while holding the first, for ever.
      const work = (async () => {
        await sql`SELECT pg_notify(${"olg_full"}, ${"outside"})`.execute(x.db);
        await x.db.transaction().execute(async (trx) => {
          await sql`SELECT pg_notify(${"olg_full"}, ${"committed"})`.execute(trx);
        });
        await x.db
          .transaction()
          .execute(async (trx) => {
            await sql`SELECT pg_notify(${"olg_full"}, ${"rolled back"})`.execute(trx);
            throw new Error("roll back");
          })
          .catch(() => {});
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            sql`SELECT pg_notify(${"olg_full"}, ${`burst ${i}`})`.execute(x.db),
          ),
        );
      })();
      const outcome = await Promise.race([
        work.then(() => "done"),
        new Promise((resolve) => setTimeout(() => resolve("stalled"), 5000).unref()),
      ]);
      expect(outcome).toBe("done");
      await until(() => got.length >= 22, 5000);
      expect(got.slice(0, 2)).toEqual(["outside", "committed"]);
      expect(got).not.toContain("rolled back");
      expect(new Set(got.slice(2))).toEqual(
        new Set(Array.from({ length: 20 }, (_, i) => `burst ${i}`)),
      );
    } finally {
      await Promise.all(opened.map((h) => h.close()));
      await dropMariaDatabase(url);
    }
  });
});

describe.runIf(up)("MariaDB store vector table lock", () => {
  it("releases the named lock when a rebuild of the vector table fails", async () => {
    const url = await createMariaDatabase("olg_handle");
    const handle = await openMysql({ url, poolSize: 1 });
    try {
      await ensureVectorTable(handle.db, 3);
      // A table that references store_vectors makes the rebuild's DROP TABLE fail.
      await sql`CREATE TABLE blocker (id BIGINT, FOREIGN KEY (id) REFERENCES store_vectors (id))`.execute(
        handle.db,
      );
      await expect(ensureVectorTable(handle.db, 4)).rejects.toThrow();
      // The pool's one connection no longer holds the lock (other files' handles may, briefly).
      const own = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(handle.db);
      const holder = await sql<{
        holder: number | null;
      }>`SELECT IS_USED_LOCK('olg_store_vectors') AS holder`.execute(handle.db);
      expect(holder.rows[0]!.holder).not.toBe(own.rows[0]!.id);
    } finally {
      await handle.close();
      await dropMariaDatabase(url);
    }
  });
});

describe.runIf(up)("MariaDB wake-ups over Redis", () => {
  it("crosses handles through pub/sub when a Redis URL is given", async () => {
    const url = await createMariaDatabase("olg_handle");
    const opened: MysqlStorageHandle[] = [];
    try {
      opened.push(await openMysql({ url, poolSize: 2, redisUrl: REDIS_TEST_URL }));
      opened.push(await openMysql({ url, poolSize: 2, redisUrl: REDIS_TEST_URL }));
      const [x, y] = opened as [MysqlStorageHandle, MysqlStorageHandle];
      const got: string[] = [];
      await y.listen(`olg_test_${url.slice(-12)}`, (p) => got.push(p));
      await x.notify(`olg_test_${url.slice(-12)}`, "over redis");
      await until(() => got.includes("over redis"), 5000);
      expect(y.wakeupStats()).toMatchObject({ mode: "redis", polls: 0 });
      const rows = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM olg_notifications`.execute(
        x.db,
      );
      expect(Number(rows.rows[0]!.n)).toBe(0); // nothing went through the table
    } finally {
      await Promise.all(opened.map((h) => h.close()));
      await dropMariaDatabase(url);
    }
  });
});
