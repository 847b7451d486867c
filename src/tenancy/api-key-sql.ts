/**
 * SQL over the `api_keys` table: creating, listing, revoking and re-quota-ing an org's keys, and
 * resolving a presented key by its hash (`useKey`, the per-request authentication lookup). Every
 * admin query names its org; listings never return `key_hash`. Timestamps are ISO-8601 strings.
 * How keys are minted and hashed is in keys.ts.
 */
import { sql } from "kysely";
import { newId } from "../core/ids.ts";
import type { Db } from "../storage/database.ts";
import { jsonb } from "../storage/sql/json.ts";
import type { Role } from "./roles.ts";

/** A key as listed (never its secret). */
export interface ApiKeyInfo {
  key_id: string;
  org_id: string;
  name: string;
  prefix: string;
  role: Role;
  scopes: string[] | null;
  quotas: Record<string, unknown>;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A timestamp column as ISO-8601 (null stays null). */
export const iso = (v: Date | string | null): string | null =>
  v == null ? null : v instanceof Date ? v.toISOString() : new Date(v).toISOString();

function toKey(row: Record<string, any>): ApiKeyInfo {
  return {
    key_id: row.key_id,
    org_id: row.org_id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    scopes: row.scopes ?? null,
    quotas: row.quotas ?? {},
    created_by: row.created_by ?? null,
    created_at: iso(row.created_at)!,
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

const KEY_COLUMNS = [
  "key_id",
  "org_id",
  "name",
  "prefix",
  "role",
  "scopes",
  "quotas",
  "created_by",
  "created_at",
  "expires_at",
  "last_used_at",
  "revoked_at",
] as const;

/** Last-used times are written at most this often per key (one write per request would double the SQL). */
const LAST_USED_RESOLUTION_S = 60;

/** A new key row (its secret only as `key_hash`). */
export interface NewKeyRow {
  org_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: Role;
  scopes: string[] | null;
  expires_at: Date | null;
  created_by: string | null;
}

export async function insertKey(db: Db, input: NewKeyRow): Promise<ApiKeyInfo> {
  const row = await db
    .insertInto("api_keys")
    .values({ ...input, key_id: newId(), scopes: input.scopes ? jsonb(input.scopes) : null })
    .returning(KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return toKey(row);
}

export async function listKeys(db: Db, orgId: string): Promise<ApiKeyInfo[]> {
  const rows = await db
    .selectFrom("api_keys")
    .select(KEY_COLUMNS)
    .where("org_id", "=", orgId)
    .orderBy("created_at")
    .execute();
  return rows.map(toKey);
}

export async function getKey(
  db: Db,
  orgId: string,
  keyId: string,
): Promise<ApiKeyInfo | undefined> {
  const row = await db
    .selectFrom("api_keys")
    .select(KEY_COLUMNS)
    .where("org_id", "=", orgId)
    .where("key_id", "=", keyId)
    .executeTakeFirst();
  return row ? toKey(row) : undefined;
}

export async function revokeKey(
  db: Db,
  orgId: string,
  keyId: string,
  now: Date,
): Promise<ApiKeyInfo | undefined> {
  const row = await db
    .updateTable("api_keys")
    .set({ revoked_at: sql`coalesce(revoked_at, ${now})` as never })
    .where("org_id", "=", orgId)
    .where("key_id", "=", keyId)
    .returning(KEY_COLUMNS)
    .executeTakeFirst();
  return row ? toKey(row) : undefined;
}

export async function setKeyQuotas(
  db: Db,
  orgId: string,
  keyId: string,
  quotas: Record<string, unknown>,
): Promise<ApiKeyInfo | undefined> {
  const row = await db
    .updateTable("api_keys")
    .set({ quotas: jsonb(quotas) })
    .where("org_id", "=", orgId)
    .where("key_id", "=", keyId)
    .returning(KEY_COLUMNS)
    .executeTakeFirst();
  return row ? toKey(row) : undefined;
}

/**
 * The live key with this hash (not revoked, not expired at `now`), its last-used time bumped
 * when older than a minute: one statement either way.
 */
export async function useKey(
  db: Db,
  hash: string,
  now: Date,
): Promise<(ApiKeyInfo & { org_quotas: Record<string, unknown> }) | undefined> {
  const row = await sql<Record<string, any>>`
    WITH hit AS (
      SELECT * FROM api_keys
      WHERE key_hash = ${hash} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})
    ), touched AS (
      UPDATE api_keys k SET last_used_at = ${now} FROM hit
      WHERE k.key_id = hit.key_id
        AND (hit.last_used_at IS NULL OR hit.last_used_at < ${now}::timestamptz - ${`${LAST_USED_RESOLUTION_S} seconds`}::interval)
    )
    SELECT ${sql.join(KEY_COLUMNS.map((c) => sql.ref(`hit.${c}`)))}, o.quotas AS org_quotas
    FROM hit JOIN organizations o ON o.org_id = hit.org_id`.execute(db);
  const first = row.rows[0];
  return first ? { ...toKey(first), org_quotas: first.org_quotas ?? {} } : undefined;
}
