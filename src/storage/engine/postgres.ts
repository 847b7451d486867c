/** The PostgreSQL engine (also PGlite): the neutral expressions' default rendering, advisory locks. */
import { sql } from "kysely";
import type { BackendKind } from "../database.ts";
import { postgresSql } from "./neutral.ts";
import type { SqlEngine } from "./port.ts";

/** PostgreSQL or PGlite (`kind` names which, for metrics). */
export function postgresEngine(kind: BackendKind = "postgres"): SqlEngine {
  return {
    kind,
    capabilities: {
      returning: true,
      writableCte: true,
      rowLocks: true,
      skipLocked: true,
      listenNotify: true,
      multiProcess: kind === "postgres",
      rowLevelSecurity: true,
      updateFrom: true,
    },
    render: postgresSql,
    async lockInTransaction(trx, key, timeoutMs) {
      // lock_timeout bounds this wait and every lock the rest of the transaction takes.
      if (timeoutMs !== undefined)
        await sql
          .raw(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(timeoutMs))}ms'`)
          .execute(trx);
      await sql`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
    },
  };
}
