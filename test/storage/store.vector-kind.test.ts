/** Semantic search storage: the embedded database uses real pgvector columns, not the fallback. */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { ensureVectorTable } from "../../src/store/vectors.ts";

describe("store vectors on PGlite", () => {
  let handle: StorageHandle;
  beforeAll(async () => {
    handle = await openStorage({ databaseUrl: null, dataDir: null });
  });
  afterAll(async () => {
    await handle.close();
  });

  it("loads the pgvector extension and creates a vector(dims) column", async () => {
    const table = await ensureVectorTable(handle.db, 3);
    expect(table.kind).toBe("pgvector");
    const column = await sql<{ type: string }>`
      SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = 'store_vectors'::regclass AND attname = 'embedding'`.execute(handle.db);
    expect(column.rows[0]?.type).toBe("vector(3)");
  });

  it("ranks by cosine distance with the pgvector operator", async () => {
    const rows = await sql<{ id: number }>`
      SELECT id FROM (VALUES (1, '[1,0,0]'::vector), (2, '[0,1,0]'::vector)) AS t(id, e)
      ORDER BY e <=> '[0.1,1,0]'::vector`.execute(handle.db);
    expect(rows.rows.map((r) => r.id)).toEqual([2, 1]);
  });
});
