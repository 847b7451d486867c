/**
 * Tenancy's part of the infrastructure (`tenancy.enabled`): the tenant session wrapped around the
 * SQL dialect, RLS installed and the session armed once boot DDL is done, and how background work
 * adopts the org of the row it works for (a run, a cron).
 */
import { sql } from "kysely";
import type { Db } from "../storage/database.ts";
import { engineOf } from "../storage/engine/index.ts";
import { type TenantSession, tenantSession } from "../storage/tenant-session.ts";
import { currentOrg, SYSTEM_ORG, withOrg } from "./context.ts";
import { installRls, removeRls, shareSystemAssistants } from "./rls.ts";

/** What the composition root keeps. */
export interface TenancyInfra {
  session: TenantSession;
  /** Installs RLS and arms the session (after migrations and every boot-time DDL). */
  install(db: Db): Promise<{ role: string | null }>;
  /** Runs `fn` in the org of a row (`runs`/`crons` by id); system when the row is gone. */
  inOrgOf<T>(db: Db, table: "runs" | "crons", id: string, fn: () => Promise<T>): Promise<T>;
  /** The org of a row (`runs`/`crons`/`threads` by id, every org's), or undefined without one. */
  orgOf(db: Db, table: "runs" | "crons" | "threads", id: string): Promise<string | undefined>;
}

/**
 * The tenancy infrastructure; `singleSession` for PGlite; `rls: false` leaves row-level security
 * off (isolation `app`: the application filter alone, as on engines without RLS).
 */
export function createTenancyInfra(singleSession: boolean, rls = true): TenancyInfra {
  const session = tenantSession(currentOrg, singleSession);
  return {
    session,
    async install(db) {
      const engine = engineOf(db);
      // The org of a write comes from the session setting `app.org_id` (column defaults, RLS):
      // PostgreSQL only. Elsewhere rows would land in `default` whatever the caller: refuse.
      if (!engine.capabilities.rowLevelSecurity) throw new Error(refusal(engine.kind));
      if (!rls) {
        await removeRls(db);
        await shareSystemAssistants(db); // every org runs the graphs by name, as with RLS
        session.arm(null);
        return { role: null };
      }
      const role = await installRls(db);
      session.arm(role);
      return { role };
    },
    async inOrgOf(db, table, id, fn) {
      return withOrg((await orgOf(db, table, id)) ?? SYSTEM_ORG, fn);
    },
    orgOf,
  };
}

/** The org of a row (every org's), or undefined without one. */
async function orgOf(
  db: Db,
  table: "runs" | "crons" | "threads",
  id: string,
): Promise<string | undefined> {
  const column = table === "runs" ? "run_id" : table === "crons" ? "cron_id" : "thread_id";
  const row = await withOrg(SYSTEM_ORG, () =>
    sql<{
      org_id: string;
    }>`SELECT org_id FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${id}`.execute(db),
  );
  return row.rows[0]?.org_id;
}

/** Why tenancy refuses to start on `kind` (an engine without row-level security). */
export function refusal(kind: string): string {
  return (
    `tenancy.enabled: true needs PostgreSQL or the embedded PGlite default; this server's ` +
    `database is ${kind}, which has no row-level security. Tenancy takes the organization of each ` +
    `row from the database session (row-level security, column defaults), and raw SQL (runs ` +
    `queue, checkpointer, store, event logs) is isolated by it alone, so on ${kind} rows would ` +
    `land in one organization and cross-org reads would go unchecked. Use a postgres:// ` +
    `DATABASE_URL (or none, for PGlite), or set tenancy.enabled: false (docs/tenancy.md, "Engines").`
  );
}

/** With tenancy off: drops policies a previous tenancy-on boot left (one catalog query otherwise). */
export async function removeTenancyLeftovers(db: Db): Promise<void> {
  if (engineOf(db).capabilities.rowLevelSecurity) await removeRls(db);
}
