/**
 * Row-level security (tenancy on), installed at boot after migrations and before the tenant
 * session is armed (src/storage/tenant-session.ts). Every tenant table gets RLS enabled and forced
 * (the table owner is subject too) with a policy keyed on the connection's `app.org_id`:
 *
 *   org_id = (SELECT current_setting('app.org_id'))  OR  (SELECT current_setting('app.org_id')) = '*'
 *
 * The sub-selects make the setting an InitPlan, read once per statement: a bare
 * `current_setting()` is evaluated per row, twice (a GUC lookup by name and a new text each time).
 * On PostgreSQL 15, `SELECT count(*) FROM threads` over 20,000 rows of one org as `olg_tenant`
 * (pgbench -M extended, 9 interleaved runs, median): 18.5 ms with the bare calls, 14.9 ms with the
 * sub-selects, 4.6 ms without RLS or filter (the rest is reading `org_id`, which the application
 * filter needs as well); as the system org `*` (sweeps, queue claims): 26.9 -> 13.5 ms.
 * Source: PostgreSQL docs, "Row Security Policies", and the planner's InitPlan for uncorrelated
 * sub-selects (the pattern Supabase's RLS performance guide recommends for `auth.uid()`).
 *
 * `*` is the system setting of background work (queue claims, sweepers, boot) outside any org.
 * A connection without the setting sees nothing. Assistants and their versions shared by every org
 * (the system assistants of the graphs, `org_id = '*'`) are readable by all, writable by none.
 * Superusers and BYPASSRLS roles ignore RLS even when forced, so a server connecting as one
 * (PGlite's only user is a superuser) works as the role `olg_tenant` (NOLOGIN, no BYPASSRLS,
 * DML on our tables), which the session switches to; turning tenancy off drops the policies.
 * Source of the rules: PostgreSQL docs, "Row Security Policies" (ddl-rowsecurity) and CREATE POLICY.
 */
import { sql } from "kysely";
import type { Db } from "../storage/database.ts";
import { TENANT_TABLES } from "../storage/migrations/010_tenancy.ts";

/** The role a bypassing server user switches to. */
export const TENANT_ROLE = "olg_tenant";

/** Read once per statement (an InitPlan), not per row: see the module comment. */
const SETTING = "(SELECT current_setting('app.org_id', true))";
const OWN = `(org_id = ${SETTING} OR ${SETTING} = '*')`;
const SHARED_READ = new Set(["assistants", "assistant_versions"]);

async function exec(db: Db, statement: string): Promise<void> {
  await sql.raw(statement).execute(db);
}

/** Whether the server's user ignores RLS (superuser or BYPASSRLS). */
async function bypasses(db: Db): Promise<boolean> {
  const { rows } = await sql<{ bypass: boolean }>`
    SELECT (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user`.execute(
    db,
  );
  return rows[0]?.bypass ?? false;
}

async function ensureTenantRole(db: Db): Promise<void> {
  await exec(
    db,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
         CREATE ROLE ${TENANT_ROLE} NOLOGIN NOBYPASSRLS;
       END IF;
     EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await exec(db, `GRANT ${TENANT_ROLE} TO current_user`).catch(() => {}); // superusers need none
  await exec(db, `GRANT USAGE, CREATE ON SCHEMA public TO ${TENANT_ROLE}`);
  await exec(
    db,
    `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ${TENANT_ROLE}`,
  );
  await exec(db, `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${TENANT_ROLE}`);
  await exec(db, `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${TENANT_ROLE}`);
}

/**
 * Installs (or refreshes) the policies; moves the system assistants to the shared org `*`.
 * Returns the role the session must switch to, or null when the server's user is subject to RLS.
 */
export async function installRls(db: Db): Promise<string | null> {
  const tables = await tenantTables(db);
  if (!(await installed(db, tables))) await createPolicies(db, tables);
  await shareSystemAssistants(db);
  if (!(await bypasses(db))) return null;
  await ensureTenantRole(db);
  return TENANT_ROLE;
}

/**
 * Whether every tenant table already has RLS forced and its current policy (then boot takes no
 * lock). A policy of an older release (a bare `current_setting()`, read per row) is replaced.
 */
async function installed(db: Db, tables: readonly string[]): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_class c
    WHERE c.relname = ANY(${[...tables]}) AND c.relrowsecurity AND c.relforcerowsecurity
      AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'olg_org'
        AND p.qual LIKE '%SELECT current_setting%' AND p.with_check LIKE '%SELECT current_setting%')`.execute(
    db,
  );
  return rows[0]?.n === tables.length;
}

/** The tenant tables, with the store's vector table when a store index created it. */
async function tenantTables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ present: boolean }>`
    SELECT to_regclass('store_vectors') IS NOT NULL AS present`.execute(db);
  return rows[0]?.present ? [...TENANT_TABLES, "store_vectors"] : [...TENANT_TABLES];
}

async function createPolicies(db: Db, tables: readonly string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(7424013388110292)`.execute(trx); // replicas booting together
    for (const table of tables) {
      await exec(trx, `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await exec(trx, `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await exec(trx, `DROP POLICY IF EXISTS olg_org ON ${table}`);
      await exec(trx, `DROP POLICY IF EXISTS olg_shared_read ON ${table}`);
      await exec(trx, `CREATE POLICY olg_org ON ${table} USING ${OWN} WITH CHECK ${OWN}`);
      if (SHARED_READ.has(table))
        await exec(
          trx,
          `CREATE POLICY olg_shared_read ON ${table} FOR SELECT USING (org_id = '*')`,
        );
    }
  });
}

/** Removes the policies (tenancy turned off again): the tables behave as before tenancy. */
export async function removeRls(db: Db): Promise<void> {
  const { rows } = await sql<{ relname: string }>`
    SELECT relname FROM pg_class WHERE relrowsecurity AND relname = ANY(${[...TENANT_TABLES]})`.execute(
    db,
  );
  for (const { relname } of rows) {
    await exec(db, `DROP POLICY IF EXISTS olg_org ON ${relname}`);
    await exec(db, `DROP POLICY IF EXISTS olg_shared_read ON ${relname}`);
    await exec(db, `ALTER TABLE ${relname} NO FORCE ROW LEVEL SECURITY`);
    await exec(db, `ALTER TABLE ${relname} DISABLE ROW LEVEL SECURITY`);
  }
}

/** The graphs' system assistants (created at boot as `default`) belong to every org (`*`). */
export async function shareSystemAssistants(db: Db): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await exec(
      trx,
      `UPDATE assistants SET org_id = '*' WHERE org_id <> '*' AND metadata ->> 'created_by' = 'system'`,
    );
    await exec(
      trx,
      `UPDATE assistant_versions v SET org_id = '*' FROM assistants a
       WHERE a.assistant_id = v.assistant_id AND a.org_id = '*' AND v.org_id <> '*'`,
    );
  });
}
