/**
 * Server-side sessions of the admin UI. The browser holds only an opaque random id (32 bytes,
 * base64url) in a cookie; the table holds its sha256 (as for API keys, src/tenancy/keys.ts), so a
 * database read does not yield usable cookies.
 *
 * - A new session (new id) at every sign-in: no fixation.
 * - Ends after `absolute_hours` from sign-in, or `idle_minutes` without a request (last use is
 *   written at most once a minute), or when revoked (logout, the admin API).
 * - The id is replaced every `rotate_minutes`; the old one keeps working for `ROTATION_GRACE_MS`
 *   so requests already sent with it do not fail.
 * - Each session has a CSRF token (32 random bytes) the UI sends as `x-csrf-token` on writes.
 * - The caller's role is the member's role now (a membership removed ends the session's access).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { newId } from "../../core/ids.ts";
import type { TenantCaller } from "../../tenancy/service.ts";
import type { SessionTimes } from "./config.ts";
import type { SessionRow, SsoStore } from "./store.ts";

/** How long a replaced id still works (requests in flight during a rotation). */
export const ROTATION_GRACE_MS = 60_000;
const TOUCH_EVERY_MS = 60_000;

const hash = (id: string) => createHash("sha256").update(id, "utf8").digest("hex");
const randomId = () => randomBytes(32).toString("base64url");

/** A valid session and what the request needs from it. */
export interface LiveSession {
  row: SessionRow;
  caller: TenantCaller;
  /** A new id to set in the cookie (the session was rotated by this request). */
  rotatedId?: string;
}

/** What a new session stands for. */
export interface NewSession {
  provider: string;
  userId: string;
  identity: string;
  orgId: string;
  role: string;
  idToken?: string | null;
}

/** Sessions over the store. */
export class SessionService {
  constructor(
    private readonly store: SsoStore,
    private readonly times: SessionTimes,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Absolute lifetime (ms): also the cookie's Max-Age. */
  get maxAgeMs(): number {
    return this.times.absolute_hours * 3_600_000;
  }

  /** Creates a session; returns the id for the cookie (shown once) and the CSRF token. */
  async create(s: NewSession): Promise<{ id: string; sessionId: string; csrfToken: string }> {
    const now = this.now();
    const id = randomId();
    const csrfToken = randomId();
    const sessionId = newId();
    await this.store.insertSession({
      session_id: sessionId,
      id_hash: hash(id),
      csrf_token: csrfToken,
      provider: s.provider,
      user_id: s.userId,
      identity: s.identity,
      org_id: s.orgId,
      role: s.role,
      id_token: s.idToken ?? null,
      created_at: now,
      rotated_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + this.maxAgeMs),
    });
    return { id, sessionId, csrfToken };
  }

  /** The live session of a cookie id, rotated when due; undefined when unknown or ended. */
  async authenticate(id: string): Promise<LiveSession | undefined> {
    if (id.length < 20 || id.length > 100) return undefined;
    const now = this.now();
    const row = await this.store.findSession(hash(id), now);
    if (!row || row.revoked_at || row.role === null) return undefined;
    if (new Date(row.expires_at) <= now) return undefined;
    const idleMs = this.times.idle_minutes * 60_000;
    if (now.getTime() - new Date(row.last_seen_at).getTime() > idleMs) return undefined;
    const caller: TenantCaller = {
      orgId: row.org_id,
      role: row.role,
      scopes: null,
      actor: { kind: "user", id: row.user_id },
      identity: row.identity,
      quotas: { org: row.org_quotas, key: {} },
    };
    const live: LiveSession = { row, caller };
    const rotateMs = this.times.rotate_minutes * 60_000;
    if (!row.previous && now.getTime() - new Date(row.rotated_at).getTime() >= rotateMs) {
      const next = randomId();
      if (await this.store.rotate(row.session_id, row.id_hash, hash(next), now, ROTATION_GRACE_MS))
        live.rotatedId = next;
    } else if (now.getTime() - new Date(row.last_seen_at).getTime() >= TOUCH_EVERY_MS) {
      await this.store.touch(row.session_id, now);
    }
    return live;
  }

  /** Whether `token` is the session's CSRF token (constant-time). */
  csrfMatches(row: SessionRow, token: string | undefined): boolean {
    if (!token) return false;
    const a = Buffer.from(token);
    const b = Buffer.from(row.csrf_token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Ends one session (logout; `orgId` limits it to an org's sessions for the admin API). */
  revoke(sessionId: string, orgId?: string): Promise<number> {
    return this.store.revoke({ sessionId, orgId }, this.now());
  }

  /** Ends every session of a member of `orgId`; returns how many were live. */
  revokeUser(orgId: string, userId: string): Promise<number> {
    return this.store.revoke({ orgId, userId }, this.now());
  }
}
