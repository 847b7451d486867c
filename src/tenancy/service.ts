/**
 * Tenancy service: who a caller is within an org (an API key, or a member resolved from the
 * custom auth handler's identity), and the admin operations on orgs, members and keys.
 * Errors are `ApiError`s from core/errors (HTTP-free codes mapped in src/http/errors.ts).
 */
import { invalidInput, notFound } from "../core/errors.ts";
import type { Db } from "../storage/database.ts";
import type { KeyCache } from "./key-cache.ts";
import { generateApiKey, hashApiKey } from "./keys.ts";
import { type ApiKeyInfo, type Organization, TenancyRepository } from "./repository.ts";
import { isRole, isScope, type Permission, permits, type Role } from "./roles.ts";

/** The caller of a request within its org. */
export interface TenantCaller {
  orgId: string;
  role: Role;
  /** A key's scopes (narrowing its role), or null. */
  scopes: string[] | null;
  actor: { kind: "key" | "user"; id: string };
  identity: string;
  /** The `quotas` of the org and of the key (empty for a member). */
  quotas: { org: Record<string, unknown>; key: Record<string, unknown> };
}

/** What creating a key takes. */
export interface NewKey {
  name: string;
  role: Role;
  scopes?: string[] | null;
  /** Expiry (absolute). */
  expiresAt?: Date | null;
  createdBy?: string | null;
}

/** Orgs, members, keys. */
export class TenancyService {
  constructor(
    readonly repo: TenancyRepository,
    private readonly now: () => Date = () => new Date(),
    /** Key lookups cached in process (src/tenancy/key-cache.ts); none: every request reads. */
    readonly keys?: KeyCache<TenantCaller>,
  ) {}

  /** The caller of a key from the in-process cache, or undefined (then `authenticateKey`). */
  cachedKey(key: string): TenantCaller | undefined {
    return this.keys?.get(key);
  }

  /** The caller a key stands for, or undefined when it is unknown, revoked or expired. */
  async authenticateKey(key: string): Promise<TenantCaller | undefined> {
    // Cached by the key itself: a hit costs a map lookup, not a sha256 (the hash is only needed
    // to find the key in the database).
    const cached = this.keys?.get(key);
    if (cached) return cached;
    const generation = this.keys?.generation ?? 0;
    const info = await this.repo.useKey(hashApiKey(key), this.now());
    if (!info) return undefined;
    const caller = this.#callerOf(info);
    this.keys?.set(key, caller, info.expires_at ? new Date(info.expires_at) : null, generation);
    return caller;
  }

  /** A key, its role or quotas, or its org's quotas changed: forget cached lookups everywhere. */
  async keysChanged(): Promise<void> {
    await this.keys?.flush();
  }

  #callerOf(info: ApiKeyInfo & { org_quotas: Record<string, unknown> }): TenantCaller {
    return {
      orgId: info.org_id,
      role: info.role,
      scopes: info.scopes,
      actor: { kind: "key", id: info.key_id },
      identity: `key:${info.key_id}`,
      quotas: { org: info.org_quotas, key: info.quotas },
    };
  }

  /** The caller an authenticated identity stands for (its first membership), or undefined. */
  async memberCaller(identity: string): Promise<TenantCaller | undefined> {
    const m = await this.repo.membershipOf(identity);
    if (!m) return undefined;
    return {
      orgId: m.org_id,
      role: m.role,
      scopes: null,
      actor: { kind: "user", id: m.user_id },
      identity,
      quotas: { org: m.org_quotas ?? {}, key: {} },
    };
  }

  /** Whether a caller may use a permission. */
  allows(caller: TenantCaller, permission: Permission): boolean {
    return permits(caller.role, caller.scopes, permission);
  }

  /** Creates a key in an org; the secret is in the answer only. */
  /**
   * Creates an organization and its first admin key in one transaction, so an organization nobody
   * can enter is never left behind (only `olg keys create` could reach it otherwise). The key's
   * secret is in the answer only. Errors: a duplicate `org_id` violates the primary key.
   */
  async createOrgWithAdminKey(
    input: { org_id?: string; name: string },
    createdBy: string | null,
  ): Promise<{ org: Organization; key: string; info: ApiKeyInfo }> {
    return this.repo.transaction(async (repo) => {
      const org = await repo.createOrg(input);
      const generated = generateApiKey();
      const info = await repo.insertKey({
        org_id: org.org_id,
        name: `${org.name} admin`,
        prefix: generated.prefix,
        key_hash: generated.hash,
        role: "admin",
        scopes: null,
        expires_at: null,
        created_by: createdBy,
      });
      return { org, key: generated.key, info };
    });
  }

  async createKey(orgId: string, input: NewKey): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!isRole(input.role)) throw invalidInput(`Unknown role: ${String(input.role)}`);
    for (const s of input.scopes ?? [])
      if (!isScope(s)) throw invalidInput(`Invalid scope "${s}": expected resource:action`);
    if (input.expiresAt && input.expiresAt.getTime() <= this.now().getTime())
      throw invalidInput("expires_at must be in the future");
    if (!(await this.repo.getOrg(orgId))) throw notFound(`Organization ${orgId} not found`);
    const generated = generateApiKey();
    const info = await this.repo.insertKey({
      org_id: orgId,
      name: input.name,
      prefix: generated.prefix,
      key_hash: generated.hash,
      role: input.role,
      scopes: input.scopes ?? null,
      expires_at: input.expiresAt ?? null,
      created_by: input.createdBy ?? null,
    });
    return { key: generated.key, info };
  }
}

/** The service over a database (the composition root calls this when `tenancy.enabled`). */
export function createTenancy(db: Db, keys?: KeyCache<TenantCaller>): TenancyService {
  return new TenancyService(new TenancyRepository(db), undefined, keys);
}
