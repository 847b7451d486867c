/**
 * Bearer JWTs from the configured OIDC providers, verified with `jose`:
 * - the provider is picked by the token's (unverified) `iss`, then everything is checked against
 *   that provider only: signature by a key of its JWKS, `iss`, `aud`, `exp` (required) and `nbf`
 *   with the provider's clock skew, and the algorithm in its allow-list (asymmetric only: the
 *   config refuses `none` and HS*, and jose never accepts an unsecured JWT in `jwtVerify`);
 * - the JWKS location comes from OIDC discovery (`{issuer}/.well-known/openid-configuration`, whose
 *   `issuer` must equal the configured one: OpenID Connect Discovery 1.0 §4.3) or `jwks_uri`;
 * - keys are cached `cache_max_age_seconds`; a token with an unknown `kid` refetches the JWKS at
 *   most once per `cooldown_seconds` (jose's remote JWK set), so rotation is picked up and a flood
 *   of made-up kids costs at most one fetch per cooldown. A refetch replaces the cached set, so a
 *   key removed at the provider stops verifying once the set is refetched.
 * Outcomes: `unknown_issuer` (no provider trusts this `iss`), `invalid` (401),
 * `unavailable` (the provider's discovery or JWKS could not be fetched: 503), `ok`.
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import type { SsoProvider } from "./provider.ts";

/** What verifying a bearer token gave. */
export type VerifyOutcome =
  | { kind: "ok"; claims: JWTPayload; provider: SsoProvider }
  | { kind: "unknown_issuer" }
  | { kind: "invalid"; message: string }
  | { kind: "unavailable"; message: string };

/** Whether a credential has the shape of a compact JWS (three base64url parts, `none`'s empty last). */
export function isJwtShaped(token: string): boolean {
  return token.length < 16_384 && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/** JWKS and discovery could not be reached or read: not the caller's fault. */
const UNAVAILABLE = new Set(["ERR_JWKS_TIMEOUT", "ERR_JWKS_INVALID", "ERR_JOSE_GENERIC"]);

class DiscoveryError extends Error {}

/** Loopback hosts may serve discovery over http (local providers, tests); all others need https. */
function checkFetchable(url: string, what: string): URL {
  const u = new URL(url);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback))
    throw new DiscoveryError(`${what} must be https: ${url}`);
  return u;
}

/** Verifies bearer JWTs against the providers that accept them (OIDC, with an audience). */
export class BearerVerifier {
  private readonly providers: SsoProvider[];
  private readonly keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(
    providers: readonly SsoProvider[],
    private readonly fetcher: typeof fetch = fetch,
  ) {
    this.providers = providers.filter((p) => p.protocol === "oidc" && p.audience.length > 0);
  }

  /** Whether any provider accepts bearer tokens. */
  get enabled(): boolean {
    return this.providers.length > 0;
  }

  /** Verifies a compact JWT. */
  async verify(token: string): Promise<VerifyOutcome> {
    let iss: unknown;
    let aud: unknown;
    try {
      ({ iss, aud } = decodeJwt(token));
    } catch {
      return { kind: "invalid", message: "Malformed token" };
    }
    const auds = Array.isArray(aud) ? aud : [aud];
    const candidates = this.providers.filter(
      (p) => p.issuer === iss || p.issuerAliases.includes(iss as string),
    );
    if (candidates.length === 0) return { kind: "unknown_issuer" };
    // Several providers may share an issuer (one Entra tenant, two APIs): the audience picks.
    const provider =
      candidates.find((p) => p.audience.some((a) => auds.includes(a))) ?? candidates[0]!;
    try {
      const keys = await this.keysOf(provider);
      const { payload } = await jwtVerify(token, keys, {
        issuer: [provider.issuer, ...provider.issuerAliases],
        audience: provider.audience,
        algorithms: provider.algorithms,
        clockTolerance: provider.clockSkewSeconds,
        requiredClaims: ["exp"],
      });
      return { kind: "ok", claims: payload, provider };
    } catch (error) {
      return this.failure(provider, error);
    }
  }

  private failure(provider: SsoProvider, error: unknown): VerifyOutcome {
    const code = (error as { code?: string }).code;
    if (
      error instanceof DiscoveryError ||
      (code !== undefined && UNAVAILABLE.has(code)) ||
      code === undefined
    ) {
      // Discovery is retried by the next request (a failed lookup is not cached).
      this.keySets.delete(provider.id);
      return { kind: "unavailable", message: `Identity provider ${provider.id} is unavailable` };
    }
    return { kind: "invalid", message: (error as Error).message };
  }

  private keysOf(provider: SsoProvider): Promise<JWTVerifyGetKey> {
    let keys = this.keySets.get(provider.id);
    if (!keys) {
      keys = this.discover(provider).then((jwksUri) =>
        createRemoteJWKSet(checkFetchable(jwksUri, "jwks_uri"), {
          cacheMaxAge: provider.jwks.cacheMaxAgeSeconds * 1000,
          cooldownDuration: provider.jwks.cooldownSeconds * 1000,
          timeoutDuration: provider.jwks.timeoutMs,
        }),
      );
      this.keySets.set(provider.id, keys);
    }
    return keys;
  }

  /** The provider's `jwks_uri` (configured, or from its discovery document). */
  private async discover(provider: SsoProvider): Promise<string> {
    if (provider.jwksUri) return provider.jwksUri;
    const url = checkFetchable(
      `${provider.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      "issuer",
    );
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await this.fetcher(url, { signal: AbortSignal.timeout(provider.jwks.timeoutMs) });
      if (!res.ok) throw new DiscoveryError(`discovery answered ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (error) {
      throw error instanceof DiscoveryError ? error : new DiscoveryError(String(error));
    }
    if (doc.issuer !== provider.issuer)
      throw new DiscoveryError(`discovery issuer ${String(doc.issuer)} is not ${provider.issuer}`);
    if (typeof doc.jwks_uri !== "string") throw new DiscoveryError("discovery has no jwks_uri");
    return doc.jwks_uri;
  }
}
