/**
 * Browser sign-in (SSO): the providers the server offers (`GET /admin/sso/providers`), the
 * cookie session's CSRF token (`GET /admin/session`), sent as `x-csrf-token` on every request
 * (the server checks it on writes), and sign-out (`POST /admin/logout`, then the provider's
 * logout page when it has one). The session cookie itself is HttpOnly: this code never sees it.
 */

/** A provider button on the sign-in page. */
export interface SsoProvider {
  id: string;
  name: string;
  kind: "oidc" | "saml";
  login_url: string;
}

let csrf: string | null = null;

/** The CSRF token of the current cookie session (null with an API key or signed out). */
export function csrfToken(): string | null {
  return csrf;
}

/** Whether the UI is signed in through a cookie session (sign-out then asks the server). */
export function hasSession(): boolean {
  return csrf !== null;
}

/** Reads the session's CSRF token (call after `/admin/me` succeeded without an API key). */
export async function loadSession(): Promise<void> {
  const res = await fetch("/admin/session", { credentials: "same-origin" });
  if (!res.ok) return;
  const body = (await res.json()) as { session: { csrf_token: string } | null };
  csrf = body.session?.csrf_token ?? null;
}

/** The identity providers of the sign-in page (none when the server has no SSO). */
export async function ssoProviders(): Promise<SsoProvider[]> {
  const res = await fetch("/admin/sso/providers").catch(() => null);
  if (!res?.ok) return [];
  return ((await res.json()) as { providers: SsoProvider[] }).providers;
}

/** Ends the cookie session; goes to the provider's logout page when it has one. */
export async function signOut(): Promise<void> {
  const res = await fetch("/admin/logout", {
    method: "POST",
    credentials: "same-origin",
    headers: csrf ? { "x-csrf-token": csrf } : {},
  });
  csrf = null;
  const body = res.ok ? ((await res.json()) as { redirect_url: string | null }) : null;
  if (body?.redirect_url) window.location.assign(body.redirect_url);
  else window.location.reload();
}
