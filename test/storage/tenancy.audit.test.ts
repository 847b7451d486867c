/**
 * The audit log's write path (issue 19), on PGlite and PostgreSQL: a request's record rides in the
 * transaction of its first write (an autocommit write is wrapped; an explicit transaction inserts
 * it before COMMIT), so a rolled-back or failed change leaves no record and the next committed write
 * carries it; exactly one record however many writes follow. The table refuses UPDATE and DELETE
 * except the retention job's.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { type AuditEntry, PendingAudit, withAudit } from "../../src/tenancy/audit/context.ts";
import { auditDialect } from "../../src/tenancy/audit/driver.ts";
import { AuditRepository } from "../../src/tenancy/audit/repository.ts";
import { withOrg } from "../../src/tenancy/context.ts";
import { createTenancyInfra } from "../../src/tenancy/setup.ts";
import { createTestDatabase, dropTestDatabase, serverBackends } from "../support/server.ts";

const entry = (route: string): AuditEntry => ({
  org_id: "a",
  actor_kind: "key",
  actor_id: "k1",
  method: "POST",
  route,
  resource: "threads",
  resource_id: null,
  action: "create",
  ip: "127.0.0.1",
  user_agent: "t",
});
const tid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

describe.each(await serverBackends("tenancy audit"))("audit write path (%s)", (backend) => {
  let handle: StorageHandle;
  let url: string | null = null;

  beforeAll(async () => {
    url = backend === "postgres" ? await createTestDatabase() : null;
    const tenancy = createTenancyInfra(url == null);
    handle = await openStorage({
      databaseUrl: url,
      dataDir: null,
      poolSize: 4,
      wrapDialect: (d) => auditDialect(tenancy.session.wrap(d)),
    });
    await tenancy.install(handle.db);
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    if (url) await dropTestDatabase(url);
  }, 60_000);

  const records = (route: string) =>
    withOrg("a", async () =>
      handle.db.selectFrom("audit_log").selectAll().where("route", "=", route).execute(),
    );
  const insertThread = (db: typeof handle.db, n: number) =>
    db
      .insertInto("threads")
      .values({
        thread_id: tid(n),
        metadata: "{}",
        config: "{}",
        status: "idle",
        interrupts: "{}",
      } as never)
      .execute();
  const inRequest = <T>(audit: PendingAudit, fn: () => Promise<T>) =>
    withOrg("a", () => withAudit(audit, fn));

  it("writes one record with the first write, with the new row's id", async () => {
    const audit = new PendingAudit(entry("/one"), "thread_id");
    await inRequest(audit, async () => {
      await insertThread(handle.db, 1);
      await insertThread(handle.db, 2);
      await handle.db
        .updateTable("threads")
        .set({ status: "busy" })
        .where("thread_id", "=", tid(2))
        .execute();
    });
    const rows = await records("/one");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      resource_id: tid(1),
      outcome: "committed",
      org_id: "a",
      ip: "127.0.0.1",
    });
  });

  it("leaves no record when the change rolls back or fails, and the next commit carries it", async () => {
    const audit = new PendingAudit(entry("/rollback"), null);
    await inRequest(audit, async () => {
      await expect(
        handle.db.transaction().execute(async (trx) => {
          await insertThread(trx, 3);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      await expect(insertThread(handle.db, 1)).rejects.toThrow(); // duplicate key
    });
    expect(await records("/rollback")).toHaveLength(0);
    expect(audit.state).toBe("pending");
    await inRequest(audit, () =>
      handle.db.transaction().execute(async (trx) => {
        await insertThread(trx, 4);
        await insertThread(trx, 5);
      }),
    );
    expect(await records("/rollback")).toHaveLength(1);
    const threads = await withOrg("a", () =>
      handle.db
        .selectFrom("threads")
        .select("thread_id")
        .where("thread_id", "in", [tid(3), tid(4)])
        .execute(),
    );
    expect(threads.map((t) => t.thread_id)).toEqual([tid(4)]);
  });

  it("reads alone leave nothing; outside a request nothing is recorded", async () => {
    const audit = new PendingAudit(entry("/read"), null);
    await inRequest(audit, () => handle.db.selectFrom("threads").selectAll().execute());
    await withOrg("a", () => insertThread(handle.db, 6));
    expect(await records("/read")).toHaveLength(0);
    expect(audit.state).toBe("pending");
  });

  it("refuses UPDATE and DELETE; the retention job deletes", async () => {
    const sys = <T>(fn: () => Promise<T>) => withOrg("*", fn);
    await expect(
      sys(() => sql`UPDATE audit_log SET actor_id = 'x'`.execute(handle.db)),
    ).rejects.toThrow(/append-only/);
    await expect(sys(() => sql`DELETE FROM audit_log`.execute(handle.db))).rejects.toThrow(
      /append-only/,
    );
    expect((await records("/one")).length).toBe(1);
    const repo = new AuditRepository(handle.db);
    expect(await sys(() => repo.expire(1))).toBe(0); // nothing a day old
    expect(await sys(() => repo.expire(0))).toBeGreaterThanOrEqual(2);
    expect(await records("/one")).toHaveLength(0);
  });
});
