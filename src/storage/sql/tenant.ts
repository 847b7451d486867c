/**
 * The application's org filter for raw SQL (tenancy on): the Kysely plugin
 * (src/tenancy/org-filter.ts) rewrites builder queries only, so a raw statement over a tenant
 * table ANDs this condition in. `true` outside any org (tenancy off, background work).
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { currentOrg, SYSTEM_ORG } from "../../tenancy/context.ts";

/** `<alias>.org_id = <current org>`, or `true` when no org applies. */
export function orgScope(alias?: string): RawBuilder<SqlBool> {
  const org = currentOrg();
  if (org === SYSTEM_ORG) return sql<SqlBool>`true`;
  return sql<SqlBool>`${sql.ref(alias ? `${alias}.org_id` : "org_id")} = ${org}`;
}
