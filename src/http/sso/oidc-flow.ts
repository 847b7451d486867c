/**
 * The OIDC halves of sign-in (routes in `routes.ts`).
 * - login: 302 to the provider's authorization endpoint (PKCE S256, state, nonce; the pending
 *   sign-in kept server-side, `binding.ts`).
 * - callback: the code exchanged and the ID token verified (`oidc.ts`), then the session
 *   (`flow.ts`) and 303 to the admin UI; any failure is a 401 page and no session.
 * The redirect URI to register at the provider is `<public_url>/admin/sso/<id>/callback`.
 */
import type { Context } from "hono";
import type { OidcRelyingParty } from "../../sso/browser/oidc.ts";
import type { SsoProvider } from "../../sso/provider.ts";
import { rememberLogin, takeLogin } from "./binding.ts";
import { originOf } from "./cookies.ts";
import { completeSignIn, refusedPage, type SignInDeps, safeReturnTo } from "./flow.ts";

/** The callback URL of a provider at an origin. */
export const oidcCallbackUrl = (origin: string, id: string) => `${origin}/admin/sso/${id}/callback`;

/** Starts a sign-in: the redirect to the provider. */
export async function oidcLogin(
  c: Context,
  deps: SignInDeps,
  rp: OidcRelyingParty,
  returnTo: string | undefined,
): Promise<Response> {
  const id = rp.provider.id;
  const origin = originOf(c, deps.publicUrl);
  let start: Awaited<ReturnType<OidcRelyingParty["start"]>>;
  try {
    start = await rp.start(oidcCallbackUrl(origin.origin, id));
  } catch (error) {
    deps.log.error({ err: error, provider: id }, "oidc discovery failed");
    return c.text("The identity provider cannot be reached", 502);
  }
  await rememberLogin(
    c,
    deps.store,
    origin,
    {
      request_id: start.state,
      provider: id,
      code_verifier: start.codeVerifier,
      nonce: start.nonce,
      return_to: safeReturnTo(returnTo),
    },
    false,
  );
  c.header("Cache-Control", "no-store");
  return c.redirect(start.url, 302);
}

/** Completes a sign-in at the redirect URI. */
export async function oidcCallback(
  c: Context,
  deps: SignInDeps,
  rp: OidcRelyingParty,
  provider: SsoProvider,
): Promise<Response> {
  const id = rp.provider.id;
  const origin = originOf(c, deps.publicUrl);
  const state = c.req.query("state");
  const pending = state ? await takeLogin(c, deps.store, origin, id, state) : undefined;
  if (!pending?.code_verifier || !pending.nonce) {
    deps.log.warn({ provider: id }, "oidc callback without a pending sign-in");
    return refusedPage(c, 401, "This sign-in expired or was started elsewhere. Try again.");
  }
  const here = new URL(oidcCallbackUrl(origin.origin, id));
  here.search = new URL(c.req.url).search;
  let result: Awaited<ReturnType<OidcRelyingParty["finish"]>>;
  try {
    result = await rp.finish(here, {
      state: pending.request_id,
      nonce: pending.nonce,
      codeVerifier: pending.code_verifier,
    });
  } catch (error) {
    deps.log.warn({ err: error, provider: id }, "oidc callback refused");
    return refusedPage(c, 401, "The identity provider's answer could not be verified.");
  }
  return completeSignIn(c, deps, origin, {
    provider,
    claims: result.claims,
    idToken: result.idToken,
    returnTo: pending.return_to,
  });
}
