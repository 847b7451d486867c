/**
 * Browser sign-in at the composition root (src/server/build.ts), on when an `sso` provider can
 * sign browsers in (an OIDC provider with a `client_id`, a SAML provider with `saml`): the session
 * middleware (first in the chain, before API keys) and the routes. `sso` needs tenancy (checked by
 * the composition root): a session is a member of an organization with a role.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../logging/logger.ts";
import { OidcRelyingParty } from "../../sso/browser/oidc.ts";
import { SessionService } from "../../sso/browser/sessions.ts";
import { SsoStore } from "../../sso/browser/store.ts";
import type { SsoConfig } from "../../sso/config.ts";
import { IdentityResolver } from "../../sso/identity.ts";
import { resolveProviders } from "../../sso/provider.ts";
import type { Db } from "../../storage/database.ts";
import type { TenancyRepository } from "../../tenancy/repository.ts";
import type { Api, RouteSpec } from "../api.ts";
import { publicRouteMatcher } from "../authz.ts";
import { sessionAuth } from "./middleware.ts";
import { registerBrowserSsoRoutes, type SignInProvider } from "./routes.ts";

/** What the composition root mounts. */
export interface BrowserSsoEdge {
  middleware: (routes: readonly RouteSpec[]) => MiddlewareHandler;
  routes: (api: Api) => void;
  /** Stops the sweeper of expired rows. */
  close(): void;
}

const SWEEP_EVERY_MS = 10 * 60_000;
const DEFAULT_SESSION = { idle_minutes: 60, absolute_hours: 12, rotate_minutes: 15 };

/** The providers of `config` that sign browsers in. */
export function signInProviders(config: SsoConfig): SignInProvider[] {
  const resolved = new Map(resolveProviders(config).map((p) => [p.id, p]));
  return config.providers.flatMap((p): SignInProvider[] => {
    const identity = resolved.get(p.id)!;
    const name = p.name ?? p.id;
    if (identity.protocol === "oidc" && identity.clientId) {
      const rp = new OidcRelyingParty({
        id: p.id,
        issuer: identity.issuer,
        clientId: identity.clientId,
        clientSecret: identity.clientSecret,
        scopes: p.scopes,
        clockSkewSeconds: identity.clockSkewSeconds,
      });
      return [{ kind: "oidc", name, identity, rp }];
    }
    if (identity.protocol === "saml" && p.saml) {
      const sp = {
        id: p.id,
        idpIssuer: identity.issuer,
        saml: p.saml,
        clockSkewSeconds: identity.clockSkewSeconds,
      };
      return [{ kind: "saml", name, identity, sp }];
    }
    return [];
  });
}

/** The edge for `config`, or undefined when no provider signs browsers in. */
export function browserSsoEdge(
  config: SsoConfig | undefined,
  db: Db,
  repo: TenancyRepository,
  log: Logger,
): BrowserSsoEdge | undefined {
  const providers = config ? signInProviders(config) : [];
  if (!config || providers.length === 0) return undefined;
  const store = new SsoStore(db);
  const sessions = new SessionService(store, config.browser?.session ?? DEFAULT_SESSION);
  const publicUrl = config.browser?.public_url;
  const deps = { store, sessions, resolver: new IdentityResolver(repo), log, publicUrl };
  const timer = setInterval(() => {
    store.sweep(new Date()).catch((err) => log.warn({ err }, "sso sweep failed"));
  }, SWEEP_EVERY_MS);
  timer.unref();
  return {
    middleware: (routes) => sessionAuth(sessions, publicUrl, publicRouteMatcher(routes)),
    routes: (api) => registerBrowserSsoRoutes(api, deps, providers),
    close: () => clearInterval(timer),
  };
}
