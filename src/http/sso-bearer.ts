/**
 * SSO bearer tokens at the edge (tenancy on, `sso` providers with an `audience`): a request whose
 * `Authorization: Bearer` holds a JWT is verified (src/sso/verify.ts) and resolved to a caller
 * (src/sso/identity.ts: mapping + just-in-time membership); the caller's org and role then go
 * through the tenancy gate and every route's permission check like a key's.
 *
 * Order: after API keys (an `olg_` key is never a JWT), before the custom `auth.path` handler.
 * A JWT whose issuer no provider trusts goes on to that handler when one is configured (it may
 * accept its own tokens), and is 401 otherwise. Any other failure is 401 (403 for a valid caller
 * without a mapped role), with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3),
 * and nothing is written.
 */
import type { MiddlewareHandler } from "hono";
import { AuthRejection } from "../auth/errors.ts";
import type { SsoConfig } from "../sso/config.ts";
import { IdentityResolver, tenantCallerOf } from "../sso/identity.ts";
import { resolveProviders } from "../sso/provider.ts";
import { BearerVerifier, isJwtShaped } from "../sso/verify.ts";
import type { TenancyRepository } from "../tenancy/repository.ts";
import { authOf } from "./tenancy.ts";

/** Options of the middleware. */
export interface SsoBearerOptions {
  verifier: BearerVerifier;
  resolver: IdentityResolver;
  /** Whether a custom auth handler follows (JWTs of unknown issuers are left to it). */
  fallThrough: boolean;
}

function rejection(status: number, message: string, error = "invalid_token"): AuthRejection {
  const description = message.replace(/["\\]/g, "'");
  return new AuthRejection(status, message, {
    "WWW-Authenticate": `Bearer error="${error}", error_description="${description}"`,
  });
}

/** Authenticates SSO bearer JWTs; leaves other requests alone. */
export function ssoBearerAuth(options: SsoBearerOptions): MiddlewareHandler {
  return async function authenticateSsoBearer(c, next) {
    if (c.get("auth")) return next();
    const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (token === undefined || !isJwtShaped(token)) return next();
    const verified = await options.verifier.verify(token);
    if (verified.kind === "unknown_issuer") {
      if (options.fallThrough) return next();
      throw rejection(401, "Token issuer is not trusted");
    }
    if (verified.kind === "invalid") throw rejection(401, `Invalid token: ${verified.message}`);
    if (verified.kind === "unavailable") throw new AuthRejection(503, verified.message);
    const resolved = await options.resolver.resolve(verified.claims, verified.provider);
    if (!resolved.ok) {
      const { status, message } = resolved.refusal;
      throw rejection(status, message, status === 403 ? "insufficient_scope" : "invalid_token");
    }
    const caller = tenantCallerOf(resolved.value);
    c.set("tenant", caller);
    c.set("auth", authOf(caller));
    return next();
  };
}

/** The bearer middleware builder over the `sso` section (undefined when no provider takes bearers). */
export function ssoBearerEdge(
  config: SsoConfig,
  repo: TenancyRepository,
  fallThrough: boolean,
): (() => MiddlewareHandler) | undefined {
  const verifier = new BearerVerifier(resolveProviders(config));
  if (!verifier.enabled) return undefined;
  const resolver = new IdentityResolver(repo);
  return () => ssoBearerAuth({ verifier, resolver, fallThrough });
}
