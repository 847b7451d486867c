/**
 * Row-level security alone isolates orgs (issue 19), on PGlite and PostgreSQL: rows written in
 * one org's session, then read with no application filter at all (plain `SELECT *` through the
 * server's own connection, as any forgetful query would) in another org's session, are invisible;
 * writes to another org's rows change nothing; an insert claiming another org is refused. Also
 * counts the `set_config` statements the session issues (once per connection and org change), and
 * that the policies read the org once per statement (an InitPlan), not once or twice per row.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { TENANT_TABLES } from "../../src/storage/migrations/010_tenancy.ts";
import { openStorage } from "../../src/storage/open.ts";
import { withOrg } from "../../src/tenancy/context.ts";
import { installRls } from "../../src/tenancy/rls.ts";
import { createTenancyInfra, type TenancyInfra } from "../../src/tenancy/setup.ts";
import { createTestDatabase, dropTestDatabase, serverBackends } from "../support/server.ts";

describe.each(await serverBackends("tenancy RLS"))("RLS alone (%s)", (backend) => {
  let handle: StorageHandle;
  let tenancy: TenancyInfra;
  let url: string | null = null;

  beforeAll(async () => {
    url = backend === "postgres" ? await createTestDatabase() : null;
    tenancy = createTenancyInfra(url == null);
    handle = await openStorage({
      databaseUrl: url,
      dataDir: null,
      poolSize: 4,
      wrapDialect: (d) => tenancy.session.wrap(d),
    });
    const { role } = await tenancy.install(handle.db);
    expect(role).toBe("olg_tenant"); // tests connect as a superuser: the session switches role
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    if (url) await dropTestDatabase(url);
  }, 60_000);

  const q = <T>(org: string, text: string) =>
    withOrg(org, async () => (await sql.raw<T>(text).execute(handle.db)).rows);

  it("hides another org's rows from unfiltered SQL", async () => {
    const tid = "00000000-0000-4000-8000-0000000000a1";
    await q(
      "a",
      `INSERT INTO threads (thread_id, metadata, config, status, interrupts) VALUES ('${tid}', '{}', '{}', 'idle', '{}')`,
    );
    await q("a", `INSERT INTO store_items (prefix, key, value) VALUES ('n', 'k', '{"v":1}')`);
    await q(
      "a",
      `INSERT INTO runs (run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy)
      VALUES ('00000000-0000-4000-8000-0000000000b1', '${tid}', '00000000-0000-4000-8000-0000000000c1', 'pending', '{}', '{}', 'reject')`,
    );
    expect(await q("a", "SELECT thread_id, org_id FROM threads")).toEqual([
      { thread_id: tid, org_id: "a" },
    ]);
    for (const table of TENANT_TABLES) expect(await q("b", `SELECT * FROM ${table}`)).toEqual([]);
    expect(await q("", "SELECT * FROM threads")).toEqual([]); // no org: nothing
    // Writes cannot reach or create another org's rows.
    await q("b", `UPDATE threads SET status = 'busy'`);
    await q("b", `DELETE FROM runs`);
    expect(await q("a", "SELECT status FROM threads")).toEqual([{ status: "idle" }]);
    expect(await q("a", "SELECT count(*)::int AS n FROM runs")).toEqual([{ n: 1 }]);
    await expect(
      q(
        "b",
        `INSERT INTO threads (thread_id, metadata, config, status, interrupts, org_id) VALUES ('00000000-0000-4000-8000-0000000000a2', '{}', '{}', 'idle', '{}', 'a')`,
      ),
    ).rejects.toThrow(/row-level security/);
    // The system setting (background work) sees every org.
    expect((await q<{ n: number }>("*", "SELECT count(*)::int AS n FROM threads"))[0]?.n).toBe(1);
  });

  it("issues set_config only when a connection changes org", async () => {
    await q("a", "SELECT 1");
    const before = tenancy.session.switches;
    for (let i = 0; i < 20; i++) await q("a", "SELECT 1");
    const same = tenancy.session.switches - before;
    for (let i = 0; i < 20; i++) await q(i % 2 ? "a" : "b", "SELECT 1");
    const alternating = tenancy.session.switches - before - same;
    expect(same).toBeLessThanOrEqual(backend === "pglite" ? 0 : 4); // each pool connection once at most
    expect(alternating).toBeGreaterThan(0);
    expect(alternating).toBeLessThanOrEqual(20);
  });

  it("reads the org setting once per statement, not per row", async () => {
    // The bare current_setting() of the policy was a per-row Filter (two GUC lookups per row).
    const plan = (await q<{ "QUERY PLAN": string }>("a", "EXPLAIN SELECT count(*) FROM threads"))
      .map((r) => r["QUERY PLAN"])
      .join("\n");
    expect(plan).toMatch(/InitPlan/);
    const filters = plan.split("\n").filter((line) => /Filter:/.test(line));
    expect(filters.length, plan).toBeGreaterThan(0); // the policy is there, as a row filter
    for (const line of filters) expect(line, plan).not.toMatch(/current_setting/);
  });
});

describe.each(await serverBackends("tenancy RLS upgrade"))(
  "RLS policies upgrade (%s)",
  (backend) => {
    it("replaces a policy of an older release that read the setting per row", async () => {
      const url = backend === "postgres" ? await createTestDatabase() : null;
      const handle = await openStorage({ databaseUrl: url, dataDir: null, poolSize: 2 });
      try {
        await installRls(handle.db);
        const old = "org_id = current_setting('app.org_id', true)";
        await sql
          .raw(`ALTER POLICY olg_org ON threads USING (${old}) WITH CHECK (${old})`)
          .execute(handle.db);
        await installRls(handle.db); // a boot of the new release
        const { rows } = await sql<{ qual: string; with_check: string }>`
        SELECT qual, with_check FROM pg_policies
        WHERE tablename = 'threads' AND policyname = 'olg_org'`.execute(handle.db);
        expect(rows[0]?.qual).toMatch(/SELECT current_setting/);
        expect(rows[0]?.with_check).toMatch(/SELECT current_setting/);
      } finally {
        await handle.close();
        if (url) await dropTestDatabase(url);
      }
    }, 120_000);
  },
);
