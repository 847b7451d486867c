/**
 * The CockroachDB variant's own code paths, run against PostgreSQL with the `?engine=cockroachdb`
 * hint (no CockroachDB server exists on these machines; docs/databases.md): the engine is chosen,
 * transaction locks go through `olg_locks`, a real serialization failure (40001, raised here by
 * PostgreSQL's SERIALIZABLE) is retried and counted, wake-ups cross handles without LISTEN, and
 * `SELECT pg_notify(…)` (a function CockroachDB does not have) never reaches the server: it goes to
 * the wake-up carrier after COMMIT, and not at all after ROLLBACK.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { engineOf } from "../../src/storage/engine/index.ts";
import { openStorage } from "../../src/storage/open.ts";
import { withRetry } from "../../src/storage/transaction-retry.ts";
import { until } from "../support/poll.ts";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../support/server.ts";

const available = await postgresAvailable();
if (!available) console.warn("\n*** PostgreSQL is not reachable: CockroachDB paths not run ***\n");

describe.runIf(available)("CockroachDB code paths (on PostgreSQL, forced by the hint)", () => {
  let url: string;
  let a: StorageHandle;
  let b: StorageHandle;

  beforeAll(async () => {
    url = await createTestDatabase("olg_crdb");
    const hinted = `${url}?engine=cockroachdb`;
    a = await openStorage({ databaseUrl: hinted, dataDir: null, poolSize: 4 });
    b = await openStorage({ databaseUrl: hinted, dataDir: null, poolSize: 4 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (url) await dropTestDatabase(url);
  });

  it("opens the CockroachDB engine: no LISTEN/NOTIFY, no RLS, migrated through the lock table", async () => {
    expect(a.kind).toBe("cockroachdb");
    const engine = engineOf(a.db);
    expect(engine.kind).toBe("cockroachdb");
    expect(engine.capabilities.listenNotify).toBe(false);
    expect(engine.capabilities.rowLevelSecurity).toBe(false);
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM olg_migrations`.execute(a.db);
    expect(rows[0]!.n).toBeGreaterThan(10);
  });

  it("holds a transaction lock in olg_locks until commit", async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const first = a.db.transaction().execute(async (trx) => {
      await engineOf(trx).lockInTransaction(trx, 42n);
      order.push("first locked");
      await held;
      order.push("first done");
    });
    await until(() => order.includes("first locked"), 5000);
    const second = b.db.transaction().execute(async (trx) => {
      await engineOf(trx).lockInTransaction(trx, 42n);
      order.push("second locked");
    });
    // The second waits on the lock row (a lock wait in pg_stat_activity), not past it.
    await until(async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(a.db);
      return rows[0]!.n > 0;
    }, 5000);
    expect(order).toEqual(["first locked"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first locked", "first done", "second locked"]);
  });

  it("runs a transaction again after a real 40001 and counts the retry", async () => {
    await sql`CREATE TABLE crdb_counter (id int PRIMARY KEY, n int NOT NULL)`.execute(a.db);
    await sql`INSERT INTO crdb_counter VALUES (1, 0)`.execute(a.db);
    const before = a.retryStats!().retries;
    let attempts = 0;
    let gate!: () => void;
    const bothRead = new Promise<void>((r) => {
      gate = r;
    });
    let reads = 0;
    const bump = (db: StorageHandle["db"]) =>
      db
        .transaction()
        .setIsolationLevel("serializable")
        .execute(async (trx) => {
          attempts++;
          const { rows } = await sql<{
            n: number;
          }>`SELECT n FROM crdb_counter WHERE id = 1`.execute(trx);
          if (++reads === 2) gate();
          await bothRead;
          await sql`UPDATE crdb_counter SET n = ${rows[0]!.n + 1} WHERE id = 1`.execute(trx);
        });
    await Promise.all([bump(a.db), bump(a.db)]);
    const { rows } = await sql<{ n: number }>`SELECT n FROM crdb_counter WHERE id = 1`.execute(
      a.db,
    );
    expect(rows[0]!.n).toBe(2); // no lost update: the loser ran again on fresh data
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(a.retryStats!().retries).toBeGreaterThan(before);
  });

  it("gives up after the bound and counts the exhausted transaction", async () => {
    const stats = { retries: 0, exhausted: 0 };
    const always = Object.assign(new Error("restart transaction"), { code: "40001" });
    await expect(
      withRetry(
        stats,
        () => Promise.reject(always),
        async () => {},
      ),
    ).rejects.toBe(always);
    expect(stats).toEqual({ retries: 4, exhausted: 1 });
    const other = new Error("boom");
    await expect(
      withRetry(
        stats,
        () => Promise.reject(other),
        async () => {},
      ),
    ).rejects.toBe(other);
    expect(stats.retries).toBe(4);
  });

  it("sends no pg_notify to the server: the carrier delivers it after COMMIT, never after ROLLBACK", async () => {
    // A PostgreSQL LISTEN on the same database hears every pg_notify the server runs.
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (n) => heard.push(`${n.channel}:${n.payload}`));
    await listener.query("LISTEN crdb_wire");
    const got: string[] = [];
    const stop = await b.listen("crdb_wire", (p) => got.push(p));
    try {
      await sql`SELECT pg_notify(${"crdb_wire"}, ${"alone"})`.execute(a.db);
      await a.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_notify(${"crdb_wire"}, ${"committed"})`.execute(trx);
      });
      await a.db
        .transaction()
        .execute(async (trx) => {
          await sql`SELECT pg_notify(${"crdb_wire"}, ${"rolled back"})`.execute(trx);
          throw new Error("roll back");
        })
        .catch(() => {});
      await until(() => got.length >= 2, 5000);
      // The control: a pg_notify that does reach PostgreSQL is heard by the listener.
      await listener.query("SELECT pg_notify('crdb_wire', 'control')");
      await until(() => heard.length > 0, 5000);
      expect(heard).toEqual(["crdb_wire:control"]);
      expect(got).toEqual(["alone", "committed"]);
    } finally {
      await stop();
      await listener.end();
    }
  });

  it("wakes a listener in another handle through the polled table", async () => {
    const got: string[] = [];
    const stop = await b.listen("crdb_test", (p) => got.push(p));
    await a.notify("crdb_test", "hello");
    await until(() => got.includes("hello"), 5000);
    await stop();
  });
});
