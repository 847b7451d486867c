/**
 * Session cookies at the edge (before API keys and custom auth; src/server/build.ts). A request
 * with no `x-api-key` and no `Authorization` header but a session cookie is authenticated by its
 * session exactly as an API key of the member's role would be (the tenancy gate then checks the
 * route's permission and enters the org). Bearer and API-key requests are never looked at here.
 *
 * CSRF (cookie-authenticated writes only: every method but GET, HEAD, OPTIONS), OWASP's two
 * layers: the request must come from our origin (`Origin`, else `Sec-Fetch-Site: same-origin`)
 * and carry the session's token in `x-csrf-token`. Failing either is 403 and nothing runs.
 * An unknown, ended or revoked session is simply no credential: the gate answers 401.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AuthRejection } from "../../auth/errors.ts";
import type { SessionService } from "../../sso/browser/sessions.ts";
import { authOf } from "../tenancy.ts";
import { originOf, readSessionCookie, setSessionCookie } from "./cookies.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The session a cookie-authenticated request runs in. */
    ssoSession?: { sessionId: string; csrfToken: string; provider: string; idToken: string | null };
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether the request comes from our own pages (see the module comment). */
export function fromOurOrigin(c: Context, publicUrl: string | undefined): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    if (origin === "null") return false;
    if (publicUrl) return origin === new URL(publicUrl).origin;
    try {
      return new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
    } catch {
      return false;
    }
  }
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin";
}

/** The session middleware. */
export function sessionAuth(
  sessions: SessionService,
  publicUrl: string | undefined,
  isPublic: (method: string, path: string) => boolean,
): MiddlewareHandler {
  return async function authenticateSession(c, next) {
    if (c.req.header("x-api-key") !== undefined || c.req.header("authorization") !== undefined)
      return next();
    // Public routes (the sign-in flow itself) ignore sessions: an IdP's cross-site POST to the
    // ACS must not trip the CSRF check of a session the browser still has.
    if (isPublic(c.req.method, c.req.path)) return next();
    const id = readSessionCookie(c);
    if (!id) return next();
    const live = await sessions.authenticate(id);
    if (!live) return next();
    if (!SAFE.has(c.req.method)) {
      if (!fromOurOrigin(c, publicUrl))
        throw new AuthRejection(403, "Forbidden: cross-origin request with a session cookie");
      if (!sessions.csrfMatches(live.row, c.req.header("x-csrf-token")))
        throw new AuthRejection(403, "Forbidden: missing or invalid x-csrf-token");
    }
    c.set("tenant", live.caller);
    c.set("auth", authOf(live.caller));
    c.set("ssoSession", {
      sessionId: live.row.session_id,
      csrfToken: live.row.csrf_token,
      provider: live.row.provider,
      idToken: live.row.id_token,
    });
    if (live.rotatedId)
      setSessionCookie(c, originOf(c, publicUrl), live.rotatedId, sessions.maxAgeMs);
    return next();
  };
}
