/**
 * The cookies of browser sign-in and where the server is reached (RFC 6265bis).
 * - Session: `olg_session` (`__Host-olg_session` over https: the prefix makes the browser insist
 *   on Secure, Path=/ and no Domain), HttpOnly, SameSite=Lax (the sign-in's last step is a
 *   cross-site navigation from the provider, which Strict would strip), Path=/.
 * - Pending sign-in: `olg_sso` on Path=/admin/sso, 10 minutes, bound to the OIDC state / SAML
 *   request id. OIDC callbacks are top-level GET navigations, which carry Lax cookies; a SAML
 *   response is a cross-site POST, which carries only SameSite=None cookies, so over https that
 *   cookie is SameSite=None; Secure (browsers refuse None without Secure, so plain http gets Lax:
 *   SAML sign-in over http works only when the IdP is on the same site, as in the tests).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/** Where the browser reaches the server. */
export interface Origin {
  /** `https://olg.example.com` (no trailing slash). */
  origin: string;
  secure: boolean;
}

/** The public origin: `public_url` when configured, else the request's (X-Forwarded-Proto aware). */
export function originOf(c: Context, publicUrl: string | undefined): Origin {
  if (publicUrl) {
    const u = new URL(publicUrl);
    return { origin: u.origin, secure: u.protocol === "https:" };
  }
  const url = new URL(c.req.url);
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim();
  const secure = url.protocol === "https:" || forwarded === "https";
  const host = c.req.header("host") ?? url.host;
  return { origin: `${secure ? "https" : "http"}://${host}`, secure };
}

const SESSION = "olg_session";
const LOGIN = "olg_sso";
export const LOGIN_PATH = "/admin/sso";

/** The session cookie's name for this origin. */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION}` : SESSION;
}

/** The session id a request carries (either name: a proxy may hide https from the server). */
export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, `__Host-${SESSION}`) ?? getCookie(c, SESSION);
}

export function setSessionCookie(c: Context, o: Origin, id: string, maxAgeMs: number): void {
  setCookie(c, sessionCookieName(o.secure), id, {
    httpOnly: true,
    secure: o.secure,
    sameSite: "Lax",
    path: "/",
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(c: Context, o: Origin): void {
  deleteCookie(c, sessionCookieName(o.secure), { path: "/", secure: o.secure, httpOnly: true });
}

/** Binds a pending sign-in to this browser; `crossSitePost` for SAML (see the module comment). */
export function setLoginCookie(c: Context, o: Origin, value: string, crossSitePost: boolean) {
  setCookie(c, LOGIN, value, {
    httpOnly: true,
    secure: o.secure,
    sameSite: crossSitePost && o.secure ? "None" : "Lax",
    path: LOGIN_PATH,
    maxAge: 600,
  });
}

export function readLoginCookie(c: Context): string | undefined {
  return getCookie(c, LOGIN);
}

export function clearLoginCookie(c: Context, o: Origin): void {
  deleteCookie(c, LOGIN, { path: LOGIN_PATH, secure: o.secure });
}
