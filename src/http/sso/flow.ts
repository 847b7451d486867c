/**
 * The last step every sign-in shares (OIDC callback, SAML ACS): verified claims → the caller
 * (src/sso/identity.ts: the provider's mapping, then the member provisioned just in time) → a new
 * session and its cookie → back to the admin UI. A refusal (wrong domain or tenant, no role,
 * unknown org…) answers a small page with the refusal's 401/403 and creates nothing; its reason
 * goes to the log.
 */
import type { Context } from "hono";
import type { Logger } from "../../logging/logger.ts";
import type { SessionService } from "../../sso/browser/sessions.ts";
import type { SsoStore } from "../../sso/browser/store.ts";
import type { IdentityResolver } from "../../sso/identity.ts";
import type { SsoProvider } from "../../sso/provider.ts";
import { type Origin, setSessionCookie } from "./cookies.ts";

/** What the sign-in routes work with. */
export interface SignInDeps {
  store: SsoStore;
  sessions: SessionService;
  resolver: IdentityResolver;
  log: Logger;
  publicUrl?: string;
}
/** Where the UI lives; a `return_to` must stay inside it. */
export const ADMIN_HOME = "/admin/";

/** A safe place to return to after sign-in: a path under /admin/ (never another origin). */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith(ADMIN_HOME) || value.startsWith("//") || /[\\\s]/.test(value))
    return ADMIN_HOME;
  return value;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page a refused sign-in shows. */
export function refusedPage(c: Context, status: 400 | 401 | 403, message: string): Response {
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in refused</title></head>
<body><main><h1>Sign-in refused</h1><p>${escapeHtml(message)}</p><p><a href="${ADMIN_HOME}">Back to the sign-in page</a></p></main></body></html>`,
    status,
    { "Cache-Control": "no-store" },
  );
}

/** Maps, provisions, opens the session and redirects; or answers the refusal page. */
export async function completeSignIn(
  c: Context,
  deps: SignInDeps,
  origin: Origin,
  sign: {
    provider: SsoProvider;
    claims: Record<string, unknown>;
    idToken: string | null;
    returnTo: string | null;
  },
): Promise<Response> {
  const outcome = await deps.resolver.resolve(sign.claims, sign.provider);
  if (!outcome.ok) {
    const { status, code, message } = outcome.refusal;
    deps.log.warn({ provider: sign.provider.id, code, reason: message }, "sso sign-in refused");
    return refusedPage(c, status, "Your account may not sign in to this server.");
  }
  const who = outcome.value;
  const session = await deps.sessions.create({
    provider: sign.provider.id,
    userId: who.userId,
    identity: who.identity,
    orgId: who.orgId,
    role: who.role,
    idToken: sign.idToken,
  });
  deps.log.info(
    { provider: sign.provider.id, org_id: who.orgId, role: who.role, user_id: who.userId },
    "sso sign-in",
  );
  setSessionCookie(c, origin, session.id, deps.sessions.maxAgeMs);
  c.header("Cache-Control", "no-store");
  return c.redirect(safeReturnTo(sign.returnTo), 303);
}
