/**
 * The one entry point from verified claims to a caller: `IdentityResolver.resolve(claims,
 * provider)` maps the claims (src/sso/mapping.ts), then provisions just in time: the user
 * `sso:<provider>:<subject>` and its membership in the mapped org with the mapped role (created on
 * first sign-in, re-roled when the mapping now says otherwise). With `jit: false` only existing
 * members get in, with the role an admin gave them.
 *
 * Used by the bearer-token edge (src/http/sso-bearer.ts) and by browser sign-in (OIDC, SAML).
 * A refusal writes nothing. Provisioning is remembered for `ttlMs` per (identity, org, role,
 * name), so a busy caller costs no write per request; the cache holds at most `maxEntries`.
 */
import type { TenancyRepository } from "../tenancy/repository.ts";
import type { Role } from "../tenancy/roles.ts";
import type { TenantCaller } from "../tenancy/service.ts";
import { type MappedIdentity, mapClaims, type Outcome } from "./mapping.ts";
import type { SsoProvider } from "./provider.ts";

export type { Outcome, Refusal, RefusalCode } from "./mapping.ts";

/** A signed-in caller: who (user), where (org) and as what (role). */
export interface SsoIdentity extends MappedIdentity {
  userId: string;
  /** The org's `quotas` (request rate etc., src/tenancy/rate-limit.ts). */
  orgQuotas: Record<string, unknown>;
}

/** Options of the resolver. */
export interface ResolverOptions {
  /** How long a provisioning is remembered (default 30 s). */
  ttlMs?: number;
  /** Bound of that memory (default 10,000 callers). */
  maxEntries?: number;
  now?: () => number;
}

interface Remembered {
  userId: string;
  role: Role;
  orgQuotas: Record<string, unknown>;
  until: number;
}

/** Resolves verified claims to a caller, provisioning just in time. */
export class IdentityResolver {
  private readonly memory = new Map<string, Remembered>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly repo: TenancyRepository,
    options: ResolverOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The caller these claims stand for, or a refusal (nothing written on refusal). */
  async resolve(
    claims: Record<string, unknown>,
    provider: SsoProvider,
  ): Promise<Outcome<SsoIdentity>> {
    const mapped = mapClaims(claims, provider);
    if (!mapped.ok) return mapped;
    const m = mapped.value;
    const key = JSON.stringify([m.identity, m.orgId, m.role, m.displayName, provider.jit]);
    const hit = this.memory.get(key);
    if (hit && hit.until > this.now())
      return {
        ok: true,
        value: { ...m, role: hit.role, userId: hit.userId, orgQuotas: hit.orgQuotas },
      };
    const org = await this.repo.getOrg(m.orgId);
    if (!org)
      return {
        ok: false,
        refusal: {
          status: 403,
          code: "unknown_org",
          message: `Organization ${m.orgId} does not exist`,
        },
      };
    let member = await this.repo.memberIn(m.orgId, m.identity);
    if (provider.jit) {
      if (!member || member.role !== m.role)
        member = await this.repo.putMember(m.orgId, m.identity, m.role, m.displayName);
    } else if (!member) {
      return {
        ok: false,
        refusal: {
          status: 403,
          code: "not_provisioned",
          message: "Not a member of the organization (just-in-time provisioning is off)",
        },
      };
    }
    this.remember(key, { userId: member.user_id, role: member.role, orgQuotas: org.quotas });
    return {
      ok: true,
      value: { ...m, role: member.role, userId: member.user_id, orgQuotas: org.quotas },
    };
  }

  private remember(key: string, value: Omit<Remembered, "until">): void {
    if (this.memory.size >= this.maxEntries) {
      // Oldest first (Map keeps insertion order).
      const oldest = this.memory.keys().next().value;
      if (oldest !== undefined) this.memory.delete(oldest);
    }
    this.memory.delete(key);
    this.memory.set(key, { ...value, until: this.now() + this.ttlMs });
  }
}

/** The tenancy caller of a signed-in identity (what the tenancy gate and routes act on). */
export function tenantCallerOf(identity: SsoIdentity): TenantCaller {
  return {
    orgId: identity.orgId,
    role: identity.role,
    scopes: null,
    actor: { kind: "user", id: identity.userId },
    identity: identity.identity,
    quotas: { org: identity.orgQuotas, key: {} },
  };
}
