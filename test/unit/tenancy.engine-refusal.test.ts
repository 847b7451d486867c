/**
 * Tenancy on an engine without row-level security (MariaDB, SQLite, CockroachDB) is refused at
 * boot with a message naming the engine, why, and what to do (issue 19; docs/tenancy.md).
 */
import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { describe, expect, it } from "vitest";
import { withEngine } from "../../src/storage/engine/index.ts";
import { mysqlEngine } from "../../src/storage/mysql/engine.ts";
import { sqliteEngine } from "../../src/storage/sqlite/engine.ts";
import { createTenancyInfra } from "../../src/tenancy/setup.ts";

const mariadb = () =>
  new Kysely<any>({
    dialect: withEngine(
      {
        createAdapter: () => new MysqlAdapter(),
        createDriver: () => new DummyDriver(),
        createQueryCompiler: () => new MysqlQueryCompiler(),
        createIntrospector: (db) => new MysqlIntrospector(db),
      },
      mysqlEngine("utf8mb4_bin"),
    ),
  });
const sqlite = () =>
  new Kysely<any>({
    dialect: withEngine(
      {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createQueryCompiler: () => new SqliteQueryCompiler(),
        createIntrospector: (db) => new SqliteIntrospector(db),
      },
      sqliteEngine,
    ),
  });

describe("tenancy on an engine without row-level security", () => {
  it.each([
    ["mariadb", mariadb],
    ["sqlite", sqlite],
  ])("is refused at boot on %s with what to do", async (kind, open) => {
    const db = open();
    for (const isolation of [true, false]) {
      const install = createTenancyInfra(false, isolation).install(db);
      await expect(install).rejects.toThrow(
        `tenancy.enabled: true needs PostgreSQL or the embedded PGlite default; this server's database is ${kind}`,
      );
      await expect(install).rejects.toThrow(/set tenancy\.enabled: false/);
    }
    await db.destroy();
  });
});
