/**
 * SQLite's one connection shared with another client over a port (src/storage/sqlite/port-host.ts,
 * what the run executor's thread of role `all` uses): neither side's statements run inside the
 * other's transaction, a client that disappears mid-transaction has it rolled back without
 * blocking the owner, notifications cross both ways and only after COMMIT, and errors keep
 * SQLite's code. The repositories' contract suites also run over the port (backend
 * `sqlite-port` in test/support/storage.ts).
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MessagePort } from "node:worker_threads";
import { type Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";

const opened: (() => Promise<void>)[] = [];
let files = 0;

afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close().catch(() => {});
});

async function pair(): Promise<{ owner: StorageHandle; client: StorageHandle; port: MessagePort }> {
  const file = path.join(tmpdir(), `olg_sqlite_port_${process.pid}_${++files}.sqlite`);
  const owner = await openStorage({ databaseUrl: `sqlite:${file}`, dataDir: null });
  opened.push(async () => {
    await owner.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  });
  const port = await owner.embedded!.attach();
  const client = await openStorage({
    databaseUrl: `sqlite:${file}`,
    dataDir: null,
    embeddedThread: { port, nextPort: () => Promise.reject(new Error("owner gone")) },
  });
  opened.push(() => client.close());
  await sql`CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)`.execute(owner.db);
  return { owner, client, port };
}

const ids = async (db: Kysely<any>) =>
  (await sql<{ id: string }>`SELECT id FROM t ORDER BY id`.execute(db)).rows.map((r) => r.id);

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("SQLite shared over a port", () => {
  it("the owner's statement waits for the client's transaction and is not inside it", async () => {
    const { owner, client } = await pair();
    const inside = gate();
    const release = gate();
    const tx = client.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t (id) VALUES ('client')`.execute(trx);
      inside.open();
      await release.opened;
      throw new Error("roll it back");
    });
    await inside.opened;
    let ownerDone = false;
    const ownerWrite = sql`INSERT INTO t (id) VALUES ('owner')`.execute(owner.db).then(() => {
      ownerDone = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(ownerDone).toBe(false); // queued behind the client's transaction
    release.open();
    await expect(tx).rejects.toThrow("roll it back");
    await ownerWrite;
    expect(await ids(owner.db)).toEqual(["owner"]);
    expect(await ids(client.db)).toEqual(["owner"]);
  });

  it("the client's statement waits for the owner's transaction and is not inside it", async () => {
    const { owner, client } = await pair();
    const inside = gate();
    const release = gate();
    const tx = owner.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t (id) VALUES ('owner')`.execute(trx);
      inside.open();
      await release.opened;
      throw new Error("roll it back");
    });
    await inside.opened;
    const clientWrite = sql`INSERT INTO t (id) VALUES ('client')`.execute(client.db);
    await new Promise((r) => setTimeout(r, 100));
    release.open();
    await expect(tx).rejects.toThrow("roll it back");
    await clientWrite;
    expect(await ids(owner.db)).toEqual(["client"]);
  });

  it("a client gone mid-transaction is rolled back and never blocks the owner", async () => {
    const { owner, client, port } = await pair();
    const inside = gate();
    const tx = client.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t (id) VALUES ('lost')`.execute(trx);
      inside.open();
      await new Promise(() => {}); // the thread dies here
    });
    void tx.catch(() => {});
    await inside.opened;
    port.close(); // what the thread's death does to its port
    const t0 = Date.now();
    await sql`INSERT INTO t (id) VALUES ('owner')`.execute(owner.db);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await ids(owner.db)).toEqual(["owner"]);
  });

  it("notifications cross both ways, a transaction's only after its COMMIT", async () => {
    const { owner, client } = await pair();
    const atClient: string[] = [];
    const atOwner: string[] = [];
    await client.listen("ch", (p) => atClient.push(p));
    await owner.listen("back", (p) => atOwner.push(p));
    const inside = gate();
    const release = gate();
    const tx = owner.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_notify('ch', 'in-tx')`.execute(trx);
      inside.open();
      await release.opened;
    });
    await inside.opened;
    await new Promise((r) => setTimeout(r, 50));
    expect(atClient).toEqual([]);
    release.open();
    await tx;
    await client.notify("back", "from-client");
    await expect.poll(() => atClient).toEqual(["in-tx"]);
    await expect.poll(() => atOwner).toEqual(["from-client"]);
    // A rolled-back transaction of the client notifies nobody.
    await client.db
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT pg_notify('back', 'dropped')`.execute(trx);
        throw new Error("rollback");
      })
      .catch(() => {});
    await client.notify("back", "after");
    await expect.poll(() => atOwner).toEqual(["from-client", "after"]);
  });

  it("errors keep SQLite's code, and the connection serves on", async () => {
    const { client } = await pair();
    await sql`INSERT INTO t (id) VALUES ('a')`.execute(client.db);
    const error: unknown = await sql`INSERT INTO t (id) VALUES ('a')`.execute(client.db).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as { code?: string } | null)?.code).toMatch(/^SQLITE_CONSTRAINT/);
    await sql`INSERT INTO t (id, v) VALUES ('b', ${"\u0000x\ud800"})`.execute(client.db);
    const row = (await sql<{ v: string }>`SELECT v FROM t WHERE id = 'b'`.execute(client.db))
      .rows[0];
    expect(row?.v).toBe("\u0000x\ud800");
  });
});
