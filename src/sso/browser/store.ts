/**
 * SQL of browser sign-in (tables of migration 013): sessions, pending sign-ins and the replay
 * cache. Global tables: every query runs as system work (`SYSTEM_ORG`), since a session is looked
 * up before the request's org is known.
 */
import { type Kysely, sql } from "kysely";
import type { Db } from "../../storage/database.ts";
import { SYSTEM_ORG, withOrg } from "../../tenancy/context.ts";
import type { Role } from "../../tenancy/roles.ts";

interface SessionsTable {
  session_id: string;
  id_hash: string;
  previous_id_hash: string | null;
  previous_valid_until: Date | null;
  csrf_token: string;
  provider: string;
  user_id: string;
  identity: string;
  org_id: string;
  role: string;
  id_token: string | null;
  created_at: Date;
  rotated_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

interface LoginRequestsTable {
  request_id: string;
  provider: string;
  binding_hash: string;
  code_verifier: string | null;
  nonce: string | null;
  return_to: string | null;
  expires_at: Date;
}

type Tables = {
  sso_sessions: SessionsTable;
  sso_login_requests: LoginRequestsTable;
  sso_replay: { replay_key: string; expires_at: Date };
};

/** A session row joined with its member's current role and its org's quotas. */
export interface SessionRow {
  session_id: string;
  id_hash: string;
  csrf_token: string;
  provider: string;
  user_id: string;
  identity: string;
  org_id: string;
  /** The member's role now (null when the membership is gone). */
  role: Role | null;
  org_quotas: Record<string, unknown>;
  id_token: string | null;
  created_at: Date;
  rotated_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  /** Whether the id used was the one before the last rotation. */
  previous: boolean;
}

/** A pending sign-in. */
export type LoginRequest = LoginRequestsTable;

/** The SQL side of sessions, pending sign-ins and the replay cache. */
export class SsoStore {
  private readonly db: Kysely<Tables>;
  constructor(db: Db) {
    this.db = db as unknown as Kysely<Tables>;
  }

  private sys<T>(fn: () => Promise<T>): Promise<T> {
    return withOrg(SYSTEM_ORG, fn);
  }

  insertSession(
    row: Omit<SessionsTable, "previous_id_hash" | "previous_valid_until" | "revoked_at">,
  ) {
    return this.sys(() => this.db.insertInto("sso_sessions").values(row).execute());
  }

  /** The session whose current (or, within its grace, previous) id hashes to `hash`. */
  findSession(hash: string, now: Date): Promise<SessionRow | undefined> {
    return this.sys(async () => {
      const r = await sql<SessionRow>`
        SELECT s.session_id, s.id_hash, s.csrf_token, s.provider, s.user_id, s.identity, s.org_id,
               m.role, o.quotas AS org_quotas, s.id_token, s.created_at, s.rotated_at,
               s.last_seen_at, s.expires_at, s.revoked_at, (s.id_hash <> ${hash}) AS previous
        FROM sso_sessions s
        LEFT JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
        LEFT JOIN organizations o ON o.org_id = s.org_id
        WHERE s.id_hash = ${hash}
           OR (s.previous_id_hash = ${hash} AND s.previous_valid_until > ${now})
        LIMIT 1`.execute(this.db);
      const row = r.rows[0];
      return row ? { ...row, org_quotas: row.org_quotas ?? {} } : undefined;
    });
  }

  /** Replaces the id (only if it is still `oldHash`: concurrent rotations do not both win). */
  async rotate(sessionId: string, oldHash: string, newHash: string, now: Date, graceMs: number) {
    const res = await this.sys(() =>
      this.db
        .updateTable("sso_sessions")
        .set({
          id_hash: newHash,
          previous_id_hash: oldHash,
          previous_valid_until: new Date(now.getTime() + graceMs),
          rotated_at: now,
          last_seen_at: now,
        })
        .where("session_id", "=", sessionId)
        .where("id_hash", "=", oldHash)
        .executeTakeFirst(),
    );
    return Number(res.numUpdatedRows) === 1;
  }

  touch(sessionId: string, now: Date) {
    return this.sys(() =>
      this.db
        .updateTable("sso_sessions")
        .set({ last_seen_at: now })
        .where("session_id", "=", sessionId)
        .execute(),
    );
  }

  /** Revokes sessions (one, or every live one of a user in an org); returns how many. */
  async revoke(
    where: { sessionId: string; orgId?: string } | { orgId: string; userId: string },
    now: Date,
  ) {
    const res = await this.sys(() => {
      let q = this.db
        .updateTable("sso_sessions")
        .set({ revoked_at: now })
        .where("revoked_at", "is", null);
      if ("sessionId" in where) {
        q = q.where("session_id", "=", where.sessionId);
        if (where.orgId !== undefined) q = q.where("org_id", "=", where.orgId);
      } else q = q.where("org_id", "=", where.orgId).where("user_id", "=", where.userId);
      return q.executeTakeFirst();
    });
    return Number(res.numUpdatedRows);
  }

  /** Live sessions of an org (no secrets). */
  listSessions(orgId: string, now: Date) {
    return this.sys(() =>
      this.db
        .selectFrom("sso_sessions")
        .select([
          "session_id",
          "provider",
          "user_id",
          "identity",
          "created_at",
          "last_seen_at",
          "expires_at",
        ])
        .where("org_id", "=", orgId)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .orderBy("created_at")
        .execute(),
    );
  }

  saveLoginRequest(row: LoginRequest) {
    return this.sys(() => this.db.insertInto("sso_login_requests").values(row).execute());
  }

  /** Takes (deletes and returns) a pending sign-in that has not expired: single use. */
  takeLoginRequest(requestId: string, now: Date): Promise<LoginRequest | undefined> {
    return this.sys(async () => {
      const row = await this.db
        .deleteFrom("sso_login_requests")
        .where("request_id", "=", requestId)
        .returningAll()
        .executeTakeFirst();
      return row && new Date(row.expires_at) > now ? row : undefined;
    });
  }

  peekLoginRequest(requestId: string, now: Date): Promise<LoginRequest | undefined> {
    return this.sys(() =>
      this.db
        .selectFrom("sso_login_requests")
        .selectAll()
        .where("request_id", "=", requestId)
        .where("expires_at", ">", now)
        .executeTakeFirst(),
    );
  }

  /** Records `key` as used until `expiresAt`; false when it was already (a replay). */
  async markUsed(key: string, expiresAt: Date): Promise<boolean> {
    const res = await this.sys(() =>
      this.db
        .insertInto("sso_replay")
        .values({ replay_key: key, expires_at: expiresAt })
        .onConflict((oc) => oc.column("replay_key").doNothing())
        .executeTakeFirst(),
    );
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Deletes expired pending sign-ins, replay entries and long-dead sessions. */
  sweep(now: Date) {
    return this.sys(async () => {
      await this.db.deleteFrom("sso_login_requests").where("expires_at", "<", now).execute();
      await this.db.deleteFrom("sso_replay").where("expires_at", "<", now).execute();
      const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
      await this.db.deleteFrom("sso_sessions").where("expires_at", "<", weekAgo).execute();
    });
  }
}
