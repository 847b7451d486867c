/**
 * The SQL scope (`scopeSql`, what storage applies) against the same matching table as the in-memory
 * `matchesScope` (test/unit/auth.scope.test.ts, cases in test/support/scope-cases.ts), on every
 * storage backend (PGlite always; PostgreSQL, MariaDB, SQLite when present and named).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toScope } from "../../src/auth/scope.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { jsonb } from "../../src/storage/sql/json.ts";
import { scopeSql } from "../../src/storage/sql/scope.ts";
import { logical, strict, upstream } from "../support/scope-cases.ts";
import { storageBackends } from "../support/storage.ts";

const backends = await storageBackends("scopeSql", "olg_scope");

describe.each(backends)("scopeSql ($name)", (backend) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ handle, cleanup } = await backend.open());
  }, 180_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it.each([...upstream, ...strict, ...logical])("%s", async (_name, doc, scope, expected) => {
    const result = await sql<{
      ok: unknown;
    }>`SELECT ${scopeSql(jsonb(doc), toScope(scope))} AS ok`.execute(handle.db);
    // PostgreSQL answers a boolean, MariaDB and SQLite 1 / 0.
    const ok = result.rows[0]?.ok;
    expect(ok === true || Number(ok) === 1).toBe(expected);
  });
});
