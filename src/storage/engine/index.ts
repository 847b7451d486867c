/**
 * Which engine a `Db` (or a transaction of it) runs on. The engine is attached to the Kysely
 * dialect's adapter when the storage is opened (`withEngine`); transactions share their
 * database's adapter, so `engineOf(trx)` answers too. A `Db` built without `withEngine` is
 * PostgreSQL (tests that build their own Kysely over `pg`).
 */
import type { Dialect, DialectAdapter, Kysely } from "kysely";
import type { SqlEngine } from "./port.ts";
import { postgresEngine } from "./postgres.ts";

const ENGINES = new WeakMap<DialectAdapter, SqlEngine>();
const POSTGRES = postgresEngine("postgres");

/** `dialect` with `engine` attached to its adapter. */
export function withEngine(dialect: Dialect, engine: SqlEngine): Dialect {
  return {
    createAdapter() {
      const adapter = dialect.createAdapter();
      ENGINES.set(adapter, engine);
      return adapter;
    },
    createDriver: () => dialect.createDriver(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}

/** The engine behind `db` (a database or a transaction). */
export function engineOf(db: Kysely<any>): SqlEngine {
  return ENGINES.get(db.getExecutor().adapter) ?? POSTGRES;
}

export type { EngineCapabilities, SqlEngine } from "./port.ts";
