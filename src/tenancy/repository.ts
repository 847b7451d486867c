/**
 * SQL over the tenancy tables (organizations, users, memberships, api_keys). These tables are not
 * tenant rows themselves (a key is looked up before its org is known), so they carry no RLS; every
 * admin query here names its org explicitly.
 */
import { sql } from "kysely";
import { newId } from "../core/ids.ts";
import type { Db } from "../storage/database.ts";
import { jsonb } from "../storage/sql/json.ts";
import type { Role } from "./roles.ts";

/** An organization as the admin API shows it. */
export interface Organization {
  org_id: string;
  name: string;
  metadata: Record<string, unknown>;
  quotas: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

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

/** A member of an org. */
export interface Member {
  user_id: string;
  identity: string;
  display_name: string | null;
  role: Role;
  created_at: string;
}

const iso = (v: Date | string | null): string | null =>
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

function toOrg(row: Record<string, any>): Organization {
  return {
    ...row,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  } as Organization;
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

/** The tenancy tables. */
export class TenancyRepository {
  constructor(private readonly db: Db) {}

  async createOrg(input: {
    org_id?: string;
    name: string;
    metadata?: Record<string, unknown>;
  }): Promise<Organization> {
    const row = await this.db
      .insertInto("organizations")
      .values({
        org_id: input.org_id ?? newId(),
        name: input.name,
        metadata: jsonb(input.metadata ?? {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOrg(row);
  }

  async getOrg(orgId: string): Promise<Organization | undefined> {
    const row = await this.db
      .selectFrom("organizations")
      .selectAll()
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return row ? toOrg(row) : undefined;
  }

  async listOrgs(): Promise<Organization[]> {
    const rows = await this.db
      .selectFrom("organizations")
      .selectAll()
      .orderBy("created_at")
      .execute();
    return rows.map(toOrg);
  }

  async updateOrg(
    orgId: string,
    patch: { name?: string; quotas?: Record<string, unknown> },
  ): Promise<Organization | undefined> {
    const row = await this.db
      .updateTable("organizations")
      .set({
        ...(patch.name != null ? { name: patch.name } : {}),
        ...(patch.quotas != null ? { quotas: jsonb(patch.quotas) } : {}),
        updated_at: new Date(),
      })
      .where("org_id", "=", orgId)
      .returningAll()
      .executeTakeFirst();
    return row ? toOrg(row) : undefined;
  }

  async deleteOrg(orgId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom("organizations")
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Adds (or re-roles) a member, creating the user for `identity` on first sight. */
  async putMember(
    orgId: string,
    identity: string,
    role: Role,
    displayName?: string,
  ): Promise<Member> {
    return this.db.transaction().execute(async (trx) => {
      const user = await trx
        .insertInto("users")
        .values({ user_id: newId(), identity, display_name: displayName ?? null })
        .onConflict((oc) => oc.column("identity").doUpdateSet({ identity }))
        .returningAll()
        .executeTakeFirstOrThrow();
      const m = await trx
        .insertInto("memberships")
        .values({ org_id: orgId, user_id: user.user_id, role })
        .onConflict((oc) => oc.columns(["org_id", "user_id"]).doUpdateSet({ role }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        user_id: user.user_id,
        identity,
        display_name: user.display_name,
        role: m.role as Role,
        created_at: iso(m.created_at)!,
      };
    });
  }

  async listMembers(orgId: string): Promise<Member[]> {
    const rows = await this.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.user_id", "m.user_id")
      .select(["u.user_id", "u.identity", "u.display_name", "m.role", "m.created_at"])
      .where("m.org_id", "=", orgId)
      .orderBy("m.created_at")
      .execute();
    return rows.map((r) => ({ ...r, role: r.role as Role, created_at: iso(r.created_at)! }));
  }

  async removeMember(orgId: string, userId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom("memberships")
      .where("org_id", "=", orgId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** The first org membership of an authenticated identity (custom auth / SSO callers). */
  async membershipOf(
    identity: string,
  ): Promise<
    { org_id: string; role: Role; user_id: string; org_quotas: Record<string, unknown> } | undefined
  > {
    const row = await this.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.user_id", "m.user_id")
      .innerJoin("organizations as o", "o.org_id", "m.org_id")
      .select(["m.org_id", "m.role", "u.user_id", "o.quotas as org_quotas"])
      .where("u.identity", "=", identity)
      .orderBy("m.created_at")
      .executeTakeFirst();
    return row ? { ...row, role: row.role as Role } : undefined;
  }

  async insertKey(input: {
    org_id: string;
    name: string;
    prefix: string;
    key_hash: string;
    role: Role;
    scopes: string[] | null;
    expires_at: Date | null;
    created_by: string | null;
  }): Promise<ApiKeyInfo> {
    const row = await this.db
      .insertInto("api_keys")
      .values({ ...input, key_id: newId(), scopes: input.scopes ? jsonb(input.scopes) : null })
      .returning(KEY_COLUMNS)
      .executeTakeFirstOrThrow();
    return toKey(row);
  }

  async listKeys(orgId: string): Promise<ApiKeyInfo[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .select(KEY_COLUMNS)
      .where("org_id", "=", orgId)
      .orderBy("created_at")
      .execute();
    return rows.map(toKey);
  }

  async getKey(orgId: string, keyId: string): Promise<ApiKeyInfo | undefined> {
    const row = await this.db
      .selectFrom("api_keys")
      .select(KEY_COLUMNS)
      .where("org_id", "=", orgId)
      .where("key_id", "=", keyId)
      .executeTakeFirst();
    return row ? toKey(row) : undefined;
  }

  async revokeKey(orgId: string, keyId: string, now: Date): Promise<ApiKeyInfo | undefined> {
    const row = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: sql`coalesce(revoked_at, ${now})` as never })
      .where("org_id", "=", orgId)
      .where("key_id", "=", keyId)
      .returning(KEY_COLUMNS)
      .executeTakeFirst();
    return row ? toKey(row) : undefined;
  }

  async setKeyQuotas(
    orgId: string,
    keyId: string,
    quotas: Record<string, unknown>,
  ): Promise<ApiKeyInfo | undefined> {
    const row = await this.db
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
  async useKey(
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
      FROM hit JOIN organizations o ON o.org_id = hit.org_id`.execute(this.db);
    const first = row.rows[0];
    return first ? { ...toKey(first), org_quotas: first.org_quotas ?? {} } : undefined;
  }
}
