/**
 * Browser sign-in routes.
 * Public (how a browser gets a session; sessions are ignored on them):
 * - `GET /admin/sso/providers`: `{providers: [{id, name, kind: "oidc"|"saml", login_url}]}`.
 * - `GET /admin/sso/:provider/login?return_to=/admin/…`: 302 to the identity provider.
 * - `GET /admin/sso/:provider/callback` (OIDC redirect URI), `POST /admin/sso/:provider/acs`
 *   (SAML assertion consumer service), `GET /admin/sso/:provider/metadata` (SAML SP metadata).
 * Any caller of the org:
 * - `GET /admin/session`: the cookie session's `{provider, csrf_token, expires_at}` (the UI sends
 *   the token as `x-csrf-token`); `{session: null}` for a key or bearer caller.
 * - `POST /admin/logout`: ends the cookie's session, clears the cookie, and answers the
 *   provider's RP-initiated logout URL when it has one (`{redirect_url}`; null otherwise).
 * Admins (their own org): `GET /admin/api/sessions`, `DELETE /admin/api/sessions/:session_id`,
 * `DELETE /admin/api/members/:user_id/sessions` (every session of a member; `{revoked: n}`).
 */
import { z } from "zod";
import { forbidden, notFound } from "../../core/errors.ts";
import type { SamlProviderSettings } from "../../sso/browser/config.ts";
import type { OidcRelyingParty } from "../../sso/browser/oidc.ts";
import type { SsoProvider } from "../../sso/provider.ts";
import type { Api } from "../api.ts";
import { clearSessionCookie, originOf } from "./cookies.ts";
import { ADMIN_HOME, type SignInDeps } from "./flow.ts";
import { oidcCallback, oidcLogin } from "./oidc-flow.ts";
import { samlAcs, samlLogin, samlMetadata } from "./saml-flow.ts";

const provider = z.object({ provider: z.string().min(1).max(63) });
const tags = ["Admin"];

/** A provider offered for sign-in. */
export type SignInProvider = { name: string; identity: SsoProvider } & (
  | { kind: "oidc"; rp: OidcRelyingParty }
  | { kind: "saml"; sp: SamlProviderSettings }
);

/** Mounts the routes above. */
export function registerBrowserSsoRoutes(
  api: Api,
  deps: SignInDeps,
  providers: readonly SignInProvider[],
): void {
  const byId = new Map(providers.map((p) => [p.identity.id, p]));
  const oidc = new Map(
    providers.flatMap((p) => (p.kind === "oidc" ? [[p.identity.id, p] as const] : [])),
  );
  const saml = new Map(
    providers.flatMap((p) => (p.kind === "saml" ? [[p.identity.id, p] as const] : [])),
  );
  api.route(
    {
      method: "get",
      path: "/admin/sso/providers",
      summary: "The identity providers the admin UI offers",
      tags,
      public: true,
    },
    (c) =>
      c.json({
        providers: providers.map((p) => ({
          id: p.identity.id,
          name: p.name,
          kind: p.kind,
          login_url: `/admin/sso/${p.identity.id}/login`,
        })),
      }),
  );
  api.route(
    {
      method: "get",
      path: "/admin/sso/:provider/login",
      summary: "Start a sign-in (redirects to the identity provider)",
      tags,
      params: provider,
      query: z.object({ return_to: z.string().max(2000).optional() }),
      public: true,
    },
    async (c, { params, query }) => {
      const p = byId.get(params.provider);
      if (!p) throw notFound(`Identity provider ${params.provider} not found`);
      return p.kind === "oidc"
        ? oidcLogin(c, deps, p.rp, query.return_to)
        : samlLogin(c, deps, p.sp, query.return_to);
    },
  );
  api.route(
    {
      method: "get",
      path: "/admin/sso/:provider/callback",
      summary: "OIDC redirect URI: completes the sign-in",
      tags,
      params: provider,
      public: true,
    },
    async (c, { params }) => {
      const p = oidc.get(params.provider);
      if (!p) throw notFound(`OIDC provider ${params.provider} not found`);
      return oidcCallback(c, deps, p.rp, p.identity);
    },
  );
  api.route(
    {
      method: "post",
      path: "/admin/sso/:provider/acs",
      summary: "SAML assertion consumer service (HTTP-POST binding)",
      tags,
      params: provider,
      public: true,
    },
    async (c, { params }) => {
      const p = saml.get(params.provider);
      if (!p) throw notFound(`SAML provider ${params.provider} not found`);
      return samlAcs(c, deps, p.sp, p.identity);
    },
  );
  api.route(
    {
      method: "get",
      path: "/admin/sso/:provider/metadata",
      summary: "SAML service provider metadata",
      tags,
      params: provider,
      responseType: "application/samlmetadata+xml",
      public: true,
    },
    (c, { params }) => {
      const p = saml.get(params.provider);
      if (!p) throw notFound(`SAML provider ${params.provider} not found`);
      return samlMetadata(c, deps, p.sp);
    },
  );
  api.route(
    {
      method: "get",
      path: "/admin/session",
      summary: "The cookie session of the caller (CSRF token for the admin UI)",
      tags,
      permission: "authenticated",
    },
    (c) => {
      const s = c.get("ssoSession");
      return c.json(
        { session: s ? { provider: s.provider, csrf_token: s.csrfToken } : null },
        200,
        {
          "Cache-Control": "no-store",
        },
      );
    },
  );
  api.route(
    {
      method: "post",
      path: "/admin/logout",
      summary: "End the cookie session (and the provider's, when it offers RP-initiated logout)",
      tags,
      permission: "authenticated",
    },
    async (c) => {
      const s = c.get("ssoSession");
      const origin = originOf(c, deps.publicUrl);
      clearSessionCookie(c, origin);
      if (!s) return c.json({ redirect_url: null });
      await deps.sessions.revoke(s.sessionId);
      const rp = oidc.get(s.provider)?.rp;
      const redirect_url = rp
        ? await rp.endSessionUrl(s.idToken, `${origin.origin}${ADMIN_HOME}`)
        : null;
      return c.json({ redirect_url });
    },
  );
  registerSessionAdminRoutes(api, deps);
}

function registerSessionAdminRoutes(api: Api, deps: SignInDeps): void {
  const orgOf = (c: { get(k: "tenant"): { orgId: string } | undefined }) => {
    const t = c.get("tenant");
    if (!t) throw forbidden();
    return t.orgId;
  };
  api.route(
    {
      method: "get",
      path: "/admin/api/sessions",
      summary: "Live browser sessions of the organization",
      tags,
      permission: "admin:read",
    },
    async (c) => c.json(await deps.store.listSessions(orgOf(c), new Date())),
  );
  api.route(
    {
      method: "delete",
      path: "/admin/api/sessions/:session_id",
      summary: "Revoke one browser session",
      tags,
      permission: "admin:write",
    },
    async (c, { params }) => {
      const n = await deps.sessions.revoke(params.session_id, orgOf(c));
      if (n === 0) throw notFound("Session not found");
      return c.json({ revoked: n });
    },
  );
  api.route(
    {
      method: "delete",
      path: "/admin/api/members/:user_id/sessions",
      summary: "Revoke every browser session of a member",
      tags,
      params: z.object({ user_id: z.string().min(1).max(200) }),
      permission: "admin:write",
    },
    async (c, { params }) =>
      c.json({ revoked: await deps.sessions.revokeUser(orgOf(c), params.user_id) }),
  );
}
