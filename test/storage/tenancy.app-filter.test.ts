/**
 * The application's org filter alone isolates orgs (issue 19), on PGlite and PostgreSQL with
 * row-level security OFF (as on engines without it): queries the builder makes in another org's
 * context read, count, join, update, delete and upsert nothing of the first org's rows, while raw
 * SQL (which the filter does not rewrite) proves the rows are there and RLS is not what hides them.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { FakeEmbedder } from "../../src/store/embeddings.ts";
import { encodeNamespace } from "../../src/store/namespace.ts";
import { preparePuts, writePuts } from "../../src/store/puts.ts";
import { ensureVectorTable } from "../../src/store/vectors.ts";
import { currentOrg, withOrg } from "../../src/tenancy/context.ts";
import { orgFilterPlugin } from "../../src/tenancy/org-filter.ts";
import { createTenancyInfra } from "../../src/tenancy/setup.ts";
import { createTestDatabase, dropTestDatabase, serverBackends } from "../support/server.ts";

const T1 = "00000000-0000-4000-8000-0000000000f1";
const A1 = "00000000-0000-4000-8000-0000000000e1";

describe.each(await serverBackends("tenancy app filter"))("app filter alone (%s)", (backend) => {
  let handle: StorageHandle;
  let db: Db;
  let url: string | null = null;

  beforeAll(async () => {
    url = backend === "postgres" ? await createTestDatabase() : null;
    const tenancy = createTenancyInfra(url == null, false);
    handle = await openStorage({
      databaseUrl: url,
      dataDir: null,
      poolSize: 4,
      wrapDialect: (d) => tenancy.session.wrap(d),
    });
    expect((await tenancy.install(handle.db)).role).toBeNull(); // RLS off, no role switch
    db = handle.db.withPlugin(orgFilterPlugin(currentOrg));
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    if (url) await dropTestDatabase(url);
  }, 60_000);

  const as = <T>(org: string, fn: () => Promise<T>) => withOrg(org, fn);
  const thread = (id: string, status = "idle") =>
    ({ thread_id: id, metadata: "{}", config: "{}", status, interrupts: "{}" }) as never;

  it("hides another org's rows from the builder's queries", async () => {
    await as("a", () => db.insertInto("threads").values(thread(T1)).execute());
    await as("a", () =>
      db
        .insertInto("assistants")
        .values({
          assistant_id: A1,
          graph_id: "g",
          config: "{}",
          metadata: "{}",
          name: "x",
        } as never)
        .execute(),
    );
    // The rows exist and RLS is off: raw SQL in org b sees them.
    const raw = await as("b", () =>
      sql<{ org_id: string }>`SELECT org_id FROM threads`.execute(db),
    );
    expect(raw.rows).toEqual([{ org_id: "a" }]);
    expect(
      await as("a", () => db.selectFrom("threads").select("thread_id").execute()),
    ).toHaveLength(1);
    expect(await as("b", () => db.selectFrom("threads").selectAll().execute())).toEqual([]);
    const count = await as("b", () =>
      db
        .selectFrom("threads")
        .select((e) => e.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow(),
    );
    expect(Number(count.n)).toBe(0);
    const sub = await as("b", () =>
      db
        .selectFrom("assistants")
        .select("assistant_id")
        .where("assistant_id", "in", (q) =>
          q.selectFrom("assistants as x").select("x.assistant_id"),
        )
        .execute(),
    );
    expect(sub).toEqual([]);
    const joined = await as("b", () =>
      db
        .selectFrom("runs")
        .rightJoin("threads", "threads.thread_id", "runs.thread_id")
        .select("threads.thread_id")
        .execute(),
    );
    expect(joined).toEqual([]);
  });

  it("changes none of another org's rows", async () => {
    const up = await as("b", () =>
      db
        .updateTable("threads")
        .set({ status: "busy" })
        .where("thread_id", "=", T1)
        .executeTakeFirst(),
    );
    expect(Number(up.numUpdatedRows)).toBe(0);
    const del = await as("b", () =>
      db.deleteFrom("threads").where("thread_id", "=", T1).executeTakeFirst(),
    );
    expect(Number(del.numDeletedRows)).toBe(0);
    // An upsert colliding with another org's id does not overwrite it.
    await as("b", () =>
      db
        .insertInto("threads")
        .values(thread(T1, "error"))
        .onConflict((oc) => oc.column("thread_id").doUpdateSet({ status: "error" }))
        .execute(),
    );
    const row = await as("a", () =>
      db
        .selectFrom("threads")
        .select(["status", sql<string>`org_id`.as("org_id")])
        .where("thread_id", "=", T1)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toEqual({ status: "idle", org_id: "a" });
  });

  it("shares the system assistants read-only and leaves background work unfiltered", async () => {
    await as("*", () =>
      sql`UPDATE assistants SET org_id = '*' WHERE assistant_id = ${A1}`.execute(db),
    );
    expect(
      await as("b", () => db.selectFrom("assistants").select("assistant_id").execute()),
    ).toHaveLength(1);
    const up = await as("b", () =>
      db
        .updateTable("assistants")
        .set({ name: "mine" })
        .where("assistant_id", "=", A1)
        .executeTakeFirst(),
    );
    expect(Number(up.numUpdatedRows)).toBe(0);
    expect(
      await as("*", () =>
        db.selectFrom("threads").select(sql<string>`org_id`.as("org_id")).execute(),
      ),
    ).toEqual([{ org_id: "a" }]);
  });

  it("a store put at another org's namespace and key replaces its own org's vectors only", async () => {
    const vectors = await ensureVectorTable(handle.db, 8);
    const index = { dims: 8, embedder: new FakeEmbedder(8), fields: ["text"], vectors };
    const put = (org: string, text: string) =>
      as(org, async () => {
        const prepared = await preparePuts(index, [
          { namespace: ["docs"], key: "k1", value: { text } },
        ]);
        await db.transaction().execute((trx) => writePuts(trx, prepared, vectors, null));
      });
    await put("a", "apples and pears");
    await put("b", "bananas");
    await put("b", "bananas again"); // b's own vectors are replaced, not added to
    // Raw SQL as background work (RLS is off): a's vector survived b's puts at the same key.
    const rows = await as("*", () =>
      sql<{ org_id: string; n: number }>`
        SELECT org_id, count(*)::int AS n FROM store_vectors
        WHERE prefix = ${encodeNamespace(["docs"])} AND key = 'k1'
        GROUP BY org_id ORDER BY org_id`.execute(handle.db),
    );
    expect(rows.rows).toEqual([
      { org_id: "a", n: 1 },
      { org_id: "b", n: 1 },
    ]);
  });
});
