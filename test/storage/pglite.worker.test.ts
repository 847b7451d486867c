/**
 * The embedded PGlite in its worker thread (`src/storage/pglite/worker-client.ts`) behaves as it
 * did on the server's thread: migrations, transactions (isolated from concurrent queries, rolled
 * back on error), SQL errors with their SQLSTATE fields, LISTEN/NOTIFY (delivered on commit only),
 * advisory locks, pgvector, `bytea`/`timestamptz`/`bigint` values; and a worker that dies turns
 * every request into a connection error (as a terminated PostgreSQL connection does).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnectionError } from "../../src/storage/connection-errors.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { PGliteWorker } from "../../src/storage/pglite/worker-client.ts";
import { SET_ROLE_AND_ORG } from "../../src/storage/session-settings.ts";

const waitFor = async (check: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("PGlite in a worker thread", () => {
  let storage: StorageHandle;

  beforeAll(async () => {
    storage = await openStorage({ databaseUrl: null, dataDir: null });
    await sql`CREATE EXTENSION IF NOT EXISTS vector`.execute(storage.db);
    await sql`CREATE TABLE w_items (id int PRIMARY KEY, body bytea, at timestamptz, n bigint)`.execute(
      storage.db,
    );
  }, 60_000);

  afterAll(async () => {
    await storage?.close();
  });

  it("is migrated and round-trips bytea, timestamps, bigint, jsonb and vectors", async () => {
    const tables = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM olg_migrations`.execute(storage.db);
    expect(tables.rows[0]!.n).toBeGreaterThan(5);
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const at = new Date("2024-02-29T12:34:56.789Z");
    await sql`INSERT INTO w_items VALUES (1, ${body}, ${at}, 9007199254740993)`.execute(storage.db);
    const row = (
      await sql<{ body: Uint8Array; at: Date; n: unknown; j: unknown; d: number }>`
        SELECT body, at, n::text AS n, '{"a":[1,"x"]}'::jsonb AS j,
               '[1,2,3]'::vector <-> '[1,2,5]'::vector AS d
        FROM w_items WHERE id = 1`.execute(storage.db)
    ).rows[0]!;
    expect(row.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(row.body), Buffer.from(body))).toBe(0);
    expect(row.at).toBeInstanceOf(Date);
    expect(row.at.toISOString()).toBe(at.toISOString());
    expect(row.n).toBe("9007199254740993");
    expect(row.j).toEqual({ a: [1, "x"] });
    expect(row.d).toBe(2);
  });

  it("isolates a transaction from concurrent queries and rolls it back on error", async () => {
    let inside!: () => void;
    const holding = new Promise<void>((r) => {
      inside = r;
    });
    let release!: () => void;
    const proceed = new Promise<void>((r) => {
      release = r;
    });
    const trx = storage.db
      .transaction()
      .execute(async (t) => {
        await sql`INSERT INTO w_items (id) VALUES (2)`.execute(t);
        inside();
        await proceed;
        throw new Error("abandon");
      })
      .catch((e: Error) => e.message);
    await holding;
    // Queued behind the open transaction, then sees its rollback (never runs inside it).
    const outside = sql<{ n: number }>`SELECT count(*)::int AS n FROM w_items WHERE id = 2`.execute(
      storage.db,
    );
    release();
    expect(await trx).toBe("abandon");
    expect((await outside).rows[0]!.n).toBe(0);
  });

  it("reports SQL errors with their SQLSTATE fields, and keeps serving after them", async () => {
    const error = await sql`INSERT INTO w_items (id) VALUES (1)`
      .execute(storage.db)
      .catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "23505", constraint: "w_items_pkey" });
    expect(error.message).toMatch(/duplicate key/);
    expect(isConnectionError(error)).toBe(false);
    const failed = await storage.db
      .transaction()
      .execute(async (t) => {
        await sql`INSERT INTO w_items (id) VALUES (3)`.execute(t);
        await sql`SELECT 1/0`.execute(t);
      })
      .catch((e) => e);
    expect(failed).toMatchObject({ code: "22012" });
    const left = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM w_items WHERE id = 3`.execute(storage.db);
    expect(left.rows[0]!.n).toBe(0);
    expect(await storage.ping()).toBe(true);
  });

  it("delivers notifications on commit only, and stops after unsubscribing", async () => {
    const got: string[] = [];
    const off = await storage.listen("w_chan", (p) => got.push(p));
    await storage.notify("w_chan", "one");
    await storage.db
      .transaction()
      .execute(async (t) => {
        await sql`SELECT pg_notify('w_chan', 'rolled back')`.execute(t);
        throw new Error("no");
      })
      .catch(() => {});
    await storage.db.transaction().execute(async (t) => {
      await sql`SELECT pg_notify('w_chan', 'two')`.execute(t);
    });
    await waitFor(() => got.length >= 2);
    await off();
    await storage.notify("w_chan", "three");
    await sql`SELECT 1`.execute(storage.db); // after the notification would have arrived
    expect(got).toEqual(["one", "two"]);
  });

  it("takes advisory locks in transactions", async () => {
    const out = await storage.db.transaction().execute(async (t) => {
      await sql`SELECT pg_advisory_xact_lock(42)`.execute(t);
      return sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`.execute(t);
    });
    expect(out.rows[0]!.n).toBe(1);
  });
});

describe("a second client of the PGlite worker (the executor thread's)", () => {
  it("waits for another client's transaction, gets its own notifications, is rolled back when it leaves", async () => {
    const main = await PGliteWorker.open(null);
    const other = PGliteWorker.overPort(await main.attachClient(), () =>
      Promise.reject(new Error("no restart here")),
    );
    try {
      await main.query("CREATE TABLE c_items (id int PRIMARY KEY)");
      const heard: string[] = [];
      const mine: string[] = [];
      await other.listen("c_chan", (p) => heard.push(p));
      await main.listen("c_chan", (p) => mine.push(p));
      // The main client's transaction owns the session: the other's statement waits for COMMIT.
      await main.query("BEGIN");
      await main.query("INSERT INTO c_items VALUES (1)");
      let seen: number | null = null;
      const read = other
        .query<{ n: number }>("SELECT count(*)::int AS n FROM c_items")
        .then((r) => {
          seen = r.rows[0]!.n;
        });
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toBeNull();
      await main.query("SELECT pg_notify('c_chan', 'one')");
      await main.query("COMMIT");
      await read;
      expect(seen).toBe(1);
      await waitFor(() => heard.length === 1 && mine.length === 1);
      expect(heard).toEqual(["one"]);
      // The other client leaves inside its transaction: nothing of it stays.
      await other.query("BEGIN");
      await other.query("INSERT INTO c_items VALUES (2)");
      await other.close();
      const rows = await main.query<{ id: number }>("SELECT id FROM c_items ORDER BY id");
      expect(rows.rows.map((r) => r.id)).toEqual([1]);
      // And its listeners are gone with it: a later notification reaches the main client only.
      await main.query("SELECT pg_notify('c_chan', 'two')");
      await waitFor(() => mine.length === 2);
      expect(heard).toEqual(["one"]);
    } finally {
      await other.close();
      await main.close();
    }
  }, 60_000);
});

describe("session settings of two clients of the PGlite worker (tenancy with the executor thread)", () => {
  it("each client's statements run under its own org and role, never the other's", async () => {
    const main = await PGliteWorker.open(null);
    const other = PGliteWorker.overPort(await main.attachClient(), () =>
      Promise.reject(new Error("no restart here")),
    );
    const orgOf = async (pg: PGliteWorker) =>
      (
        await pg.query<{ org: string; role: string }>(
          "SELECT current_setting('app.org_id', true) AS org, current_user AS role",
        )
      ).rows[0]!;
    try {
      await main.query("CREATE ROLE t_tenant NOLOGIN");
      await main.query(SET_ROLE_AND_ORG, ["t_tenant", "org-a"]);
      // The other client never set anything: it runs as the server's user, with no org.
      expect(await orgOf(other)).toEqual({ org: "", role: "postgres" });
      await other.query(SET_ROLE_AND_ORG, ["t_tenant", "org-b"]);
      // Interleaved, each sees its own org (before the fix, the last setter's applied to both).
      for (let i = 0; i < 3; i++) {
        const [a, b] = await Promise.all([orgOf(main), orgOf(other)]);
        expect(a).toEqual({ org: "org-a", role: "t_tenant" });
        expect(b).toEqual({ org: "org-b", role: "t_tenant" });
      }
      // And inside a transaction of one, then the other's next statement.
      await main.query("BEGIN");
      const late = orgOf(other);
      expect(await orgOf(main)).toEqual({ org: "org-a", role: "t_tenant" });
      await main.query("COMMIT");
      expect(await late).toEqual({ org: "org-b", role: "t_tenant" });
      // A client that leaves takes its settings with it: the main client's stay.
      await other.close();
      expect(await orgOf(main)).toEqual({ org: "org-a", role: "t_tenant" });
    } finally {
      await other.close();
      await main.close();
    }
  }, 60_000);
});

describe("a PGlite worker that dies", () => {
  it("fails pending and later requests with a connection error, and closes", async () => {
    const pg = await PGliteWorker.open(null);
    expect((await pg.query<{ x: number }>("SELECT 1 AS x")).rows).toEqual([{ x: 1 }]);
    const pending = pg.query("SELECT pg_sleep(0.5)").catch((e) => e);
    await pg.terminate();
    const error = await pending;
    expect(error.message).toMatch(/Connection terminated/);
    expect(isConnectionError(error)).toBe(true);
    const later = await pg.query("SELECT 1").catch((e) => e);
    expect(isConnectionError(later)).toBe(true);
    expect(pg.closed).toBe(true);
    await pg.close(); // nothing left to close: resolves
  }, 60_000);
});

describe("a PGlite worker on a data folder that dies", () => {
  it("is replaced: committed data stays, the open transaction is lost whole, LISTEN resumes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "olg-pglite-restart-"));
    const warnings: string[] = [];
    const log = { warn: (_: object, m: string) => warnings.push(m), info: () => {} };
    const pg = await PGliteWorker.open(dir, { initialMs: 20, log });
    try {
      await pg.query("CREATE TABLE r_items (id int PRIMARY KEY)");
      await pg.query("INSERT INTO r_items VALUES (1)");
      const heard: string[] = [];
      await pg.listen("r_chan", (p) => heard.push(p));

      await pg.query("BEGIN");
      await pg.query("INSERT INTO r_items VALUES (2)");
      const pending = pg.query("SELECT pg_sleep(0.5)").catch((e) => e);
      await pg.terminate();
      expect(isConnectionError(await pending)).toBe(true);
      // The rest of the transaction never runs outside it on the new worker.
      expect(
        isConnectionError(await pg.query("INSERT INTO r_items VALUES (3)").catch((e) => e)),
      ).toBe(true);
      expect(isConnectionError(await pg.query("COMMIT").catch((e) => e))).toBe(true);

      const ids = await pg.query<{ id: number }>("SELECT id FROM r_items ORDER BY id");
      expect(ids.rows).toEqual([{ id: 1 }]);
      await pg.query("SELECT pg_notify('r_chan', 'after')");
      await waitFor(() => heard.includes("after"));
      expect(pg.stats()).toEqual({ connected: true, reconnects: 1, connectionErrors: 1 });
      expect(warnings).toContain("embedded database worker stopped; restarting it");
    } finally {
      await pg.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(pg.closed).toBe(true);
  }, 90_000);
});
