/**
 * The SAML halves of sign-in (routes in src/sso/browser/routes.ts).
 * - login: the AuthnRequest (HTTP-Redirect binding) whose ID is kept as a pending sign-in bound
 *   to this browser (`binding.ts`), then 302 to the IdP.
 * - ACS: the posted response verified (`sp.ts`): signatures, times, audience, InResponseTo (the
 *   pending request, single use), issuer, Recipient, Destination, then the assertion id recorded
 *   (a second post of the same assertion is a replay: 401); then the session (`flow.ts`).
 * - metadata: our SP metadata for the IdP.
 */
import type { CacheProvider } from "@node-saml/node-saml";
import type { Context } from "hono";
import type { SamlProviderSettings } from "../../sso/browser/config.ts";
import type { SsoProvider } from "../../sso/provider.ts";
import { checkAssertion, claimsOf, samlFor, spMetadata, spUrls } from "../../sso/saml/sp.ts";
import { boundToThisBrowser, LOGIN_TTL_MS, rememberLogin } from "./binding.ts";
import { clearLoginCookie, originOf } from "./cookies.ts";
import { completeSignIn, refusedPage, type SignInDeps, safeReturnTo } from "./flow.ts";

/** Starts a sign-in: the redirect to the IdP with an AuthnRequest. */
export async function samlLogin(
  c: Context,
  deps: SignInDeps,
  provider: SamlProviderSettings,
  returnTo: string | undefined,
): Promise<Response> {
  const origin = originOf(c, deps.publicUrl);
  const saved: string[] = [];
  const cache: CacheProvider = {
    saveAsync: async (key, value) => {
      saved.push(key);
      return { value, createdAt: Date.now() };
    },
    getAsync: async () => null,
    removeAsync: async () => null,
  };
  const saml = samlFor(provider, spUrls(provider, origin.origin), cache, LOGIN_TTL_MS);
  const url = await saml.getAuthorizeUrlAsync("", undefined, {});
  const requestId = saved[0];
  if (!requestId) throw new Error("node-saml kept no request id");
  await rememberLogin(
    c,
    deps.store,
    origin,
    {
      request_id: requestId,
      provider: provider.id,
      code_verifier: null,
      nonce: null,
      return_to: safeReturnTo(returnTo),
    },
    true,
  );
  c.header("Cache-Control", "no-store");
  return c.redirect(url, 302);
}

/** The assertion consumer service: verifies the posted response and opens the session. */
export async function samlAcs(
  c: Context,
  deps: SignInDeps,
  provider: SamlProviderSettings,
  identity: SsoProvider,
): Promise<Response> {
  const origin = originOf(c, deps.publicUrl);
  const urls = spUrls(provider, origin.origin);
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const samlResponse = form.SAMLResponse;
  if (typeof samlResponse !== "string" || samlResponse.length > 1_000_000)
    return refusedPage(c, 400, "No SAML response in the request.");
  let returnTo: string | null = null;
  const cache: CacheProvider = {
    saveAsync: async () => null,
    getAsync: async (key) => {
      const row = await deps.store.peekLoginRequest(key, new Date());
      if (!row || row.provider !== provider.id || !boundToThisBrowser(c, row)) return null;
      returnTo = row.return_to;
      return new Date(row.expires_at).toISOString();
    },
    removeAsync: async (key) => {
      if (key) await deps.store.takeLoginRequest(key, new Date());
      return key;
    },
  };
  clearLoginCookie(c, origin);
  const saml = samlFor(provider, urls, cache, LOGIN_TTL_MS);
  let claims: Record<string, unknown>;
  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
    if (!profile) throw new Error("no assertion in the response");
    const now = new Date();
    const facts = checkAssertion(provider, urls, profile, now);
    if (!(await deps.store.markUsed(`saml:${provider.id}:${facts.assertionId}`, facts.expiresAt)))
      throw new Error(`replayed assertion ${facts.assertionId}`);
    claims = claimsOf(profile);
  } catch (error) {
    deps.log.warn(
      { provider: provider.id, reason: (error as Error).message },
      "saml response refused",
    );
    return refusedPage(c, 401, "The identity provider's answer could not be verified.");
  }
  return completeSignIn(c, deps, origin, {
    provider: identity,
    claims,
    idToken: null,
    returnTo,
  });
}

/** Our SP metadata. */
export function samlMetadata(
  c: Context,
  deps: SignInDeps,
  provider: SamlProviderSettings,
): Response {
  const urls = spUrls(provider, originOf(c, deps.publicUrl).origin);
  return c.body(spMetadata(provider, urls), 200, {
    "Content-Type": "application/samlmetadata+xml; charset=utf-8",
  });
}
