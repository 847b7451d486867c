/**
 * OIDC authorization code flow with PKCE (RFC 7636, S256) through `openid-client` v6: discovery
 * (cached per provider; retried after a failure), the authorization URL with `state` and `nonce`,
 * and the callback, where openid-client checks state, the issuer (`iss` response parameter when
 * the provider advertises it), the code exchange with the PKCE verifier, and the ID token
 * (signature against the provider's JWKS, `iss`, `aud`, `exp`/`iat` within the clock skew,
 * `nonce`). Plain-http issuers are accepted only on loopback addresses (local providers, tests).
 */
import * as client from "openid-client";
import type { OidcClientSettings } from "./config.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** What a started sign-in must keep until its callback. */
export interface OidcStart {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The verified result of a callback. */
export interface OidcResult {
  claims: Record<string, unknown>;
  idToken: string | null;
}

/** One configured OIDC provider as a relying party. */
export class OidcRelyingParty {
  private config?: Promise<client.Configuration>;

  constructor(readonly provider: OidcClientSettings) {}

  private configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const p = this.provider;
      const issuer = new URL(p.issuer);
      const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
      const secret = p.clientSecret;
      const metadata: Partial<client.ClientMetadata> = {
        [client.clockTolerance]: p.clockSkewSeconds,
      };
      if (secret) metadata.client_secret = secret;
      this.config = client
        .discovery(
          issuer,
          p.clientId,
          metadata,
          secret ? undefined : client.None(),
          insecure ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
        )
        .catch((error) => {
          this.config = undefined;
          throw error;
        });
    }
    return this.config;
  }

  /** The authorization URL to send the browser to, and the secrets the callback checks. */
  async start(redirectUri: string): Promise<OidcStart> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.provider.scopes.join(" "),
      response_type: "code",
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /** Completes the flow at the callback URL (throws on any failed check). */
  async finish(
    callbackUrl: URL,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<OidcResult> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: expected.codeVerifier,
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error("no ID token");
    return { claims: { ...claims }, idToken: tokens.id_token ?? null };
  }

  /** RP-initiated logout URL (OIDC RP-Initiated Logout 1.0), or null when the provider has none. */
  async endSessionUrl(
    idToken: string | null,
    postLogoutRedirectUri: string,
  ): Promise<string | null> {
    const config = await this.configuration().catch(() => undefined);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    const params: Record<string, string> = {
      post_logout_redirect_uri: postLogoutRedirectUri,
      client_id: this.provider.clientId,
    };
    if (idToken) params.id_token_hint = idToken;
    return client.buildEndSessionUrl(config, params).href;
  }
}
