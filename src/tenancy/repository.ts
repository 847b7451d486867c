/**
 * SQL over the tenancy tables (organizations, users, memberships, api_keys). These tables are not
 * tenant rows themselves (a key is looked up before its org is known), so they carry no RLS; every
 * admin query here names its org explicitly. The api_keys queries live in api-key-sql.ts.
 */
import { newId } from "../core/ids.ts";
import type { Db } from "../storage/database.ts";
import { jsonb } from "../storage/sql/json.ts";
import {
  type ApiKeyInfo,
  getKey,
  insertKey,
  iso,
  listKeys,
  type NewKeyRow,
  revokeKey,
  setKeyQuotas,
  useKey,
} from "./api-key-sql.ts";
import type { Role } from "./roles.ts";

export type { ApiKeyInfo } from "./api-key-sql.ts";

/** An organization as the admin API shows it. */
export interface Organization {
  org_id: string;
  name: string;
  metadata: Record<string, unknown>;
  quotas: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** A member of an org. */
export interface Member {
  user_id: string;
  identity: string;
  display_name: string | null;
  role: Role;
  created_at: string;
}

function toOrg(row: Record<string, any>): Organization {
  return {
    ...row,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  } as Organization;
}

/** The tenancy tables. */
export class TenancyRepository {
  constructor(private readonly db: Db) {}

  /** Runs `work` in one transaction, on a repository bound to it (all or nothing). */
  transaction<T>(work: (repo: TenancyRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new TenancyRepository(trx)));
  }

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

  /** The member with `identity` in one org (its role), or undefined. */
  async memberIn(orgId: string, identity: string): Promise<Member | undefined> {
    const row = await this.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.user_id", "m.user_id")
      .select(["u.user_id", "u.identity", "u.display_name", "m.role", "m.created_at"])
      .where("m.org_id", "=", orgId)
      .where("u.identity", "=", identity)
      .executeTakeFirst();
    return row ? { ...row, role: row.role as Role, created_at: iso(row.created_at)! } : undefined;
  }

  insertKey(input: NewKeyRow): Promise<ApiKeyInfo> {
    return insertKey(this.db, input);
  }

  listKeys(orgId: string): Promise<ApiKeyInfo[]> {
    return listKeys(this.db, orgId);
  }

  getKey(orgId: string, keyId: string): Promise<ApiKeyInfo | undefined> {
    return getKey(this.db, orgId, keyId);
  }

  revokeKey(orgId: string, keyId: string, now: Date): Promise<ApiKeyInfo | undefined> {
    return revokeKey(this.db, orgId, keyId, now);
  }

  setKeyQuotas(
    orgId: string,
    keyId: string,
    quotas: Record<string, unknown>,
  ): Promise<ApiKeyInfo | undefined> {
    return setKeyQuotas(this.db, orgId, keyId, quotas);
  }

  /** The live key with this hash, its last-used time bumped (see `useKey` in api-key-sql.ts). */
  useKey(
    hash: string,
    now: Date,
  ): Promise<(ApiKeyInfo & { org_quotas: Record<string, unknown> }) | undefined> {
    return useKey(this.db, hash, now);
  }
}
