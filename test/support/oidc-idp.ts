/**
 * A real OpenID Connect provider for SSO tests: `oidc-provider` (certified) on a random loopback
 * port, its issuer under any path (`/oauth2/aus1` like an Okta custom authorization server,
 * `/<tid>/v2.0` like Entra, `/` like Auth0). Tokens come from its token endpoint
 * (client_credentials with a resource indicator, JWT access tokens signed with the provider's own
 * RSA key), carrying the claims a test asks for (extraTokenClaims) so one provider can act like
 * each preset. `rotate()` replaces the signing key (the old one leaves the JWKS). Stop it with
 * `close()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";

/** What a token should carry. */
export interface TokenRequest {
  /** Claims beside the provider's own (iss, aud, exp, iat, jti, client_id, sub). */
  claims?: Record<string, unknown>;
  /** The `sub` (default: the client id). */
  sub?: string;
  /** The audience (resource indicator); default the IdP's `audience`. */
  audience?: string;
  /** Lifetime in seconds (default 300). */
  ttl?: number;
}

/** A running provider. */
export interface TestIdp {
  issuer: string;
  /** The current signing key's public JWK (with its kid). */
  publicJwk(): JWK;
  /** A token signed by the provider. */
  token(request?: TokenRequest): Promise<string>;
  /** A new signing key replaces the current one (JWKS then lists only the new key). */
  rotate(): Promise<void>;
  /** How many requests reached a path under the issuer (`/jwks`, `/.well-known/openid-configuration`). */
  hits(path: string): number;
  close(): Promise<void>;
}

const CLIENT = { id: "olg-test-client", secret: "olg-test-secret-0123456789abcdef" };

async function signingKey(n: number): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `key-${n}-${Math.random().toString(36).slice(2, 8)}`;
  const meta = { kid, alg: "RS256", use: "sig" };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/** Starts a provider whose issuer is `http://127.0.0.1:<port><path>`. */
export async function startIdp(options: { path?: string; audience: string }): Promise<TestIdp> {
  const path = options.path ?? "";
  let pending: TokenRequest = {};
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let key = await signingKey(0);
  let generation = 0;
  const hits = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    const mount = path.replace(/\/$/, "");
    if (!handler || !url.startsWith(`${mount}/`)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    // Mounted under the issuer's path: oidc-provider reads the mount from originalUrl.
    Object.assign(req, { originalUrl: url });
    req.url = url.slice(mount.length) || "/";
    const hit = req.url.split("?")[0] ?? "/";
    hits.set(hit, (hits.get(hit) ?? 0) + 1);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}${path}`;

  const build = () => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
      jwks: { keys: [key.privateJwk] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({
            scope: "api",
            audience: resource,
            accessTokenFormat: "jwt",
            accessTokenTTL: pending.ttl ?? 300,
            jwt: { sign: { alg: "RS256" } },
          }),
        },
      },
      ttl: { ClientCredentials: () => pending.ttl ?? 300 },
      extraTokenClaims: () => pending.claims ?? {},
      formats: {
        customizers: {
          jwt: (_ctx: unknown, _token: unknown, jwt: { payload: Record<string, unknown> }) => {
            if (pending.sub) jwt.payload.sub = pending.sub;
          },
        },
      },
      cookies: { keys: ["olg-test-cookie-key"] },
    } as never);
    handler = provider.callback() as typeof handler;
  };
  build();

  let queue: Promise<unknown> = Promise.resolve();
  const token = (request: TokenRequest = {}) => {
    const next = queue.then(async () => {
      pending = request;
      const res = await fetch(`${issuer.replace(/\/$/, "")}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          resource: request.audience ?? options.audience,
          scope: "api",
        }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token)
        throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
      if (decodeJwt(body.access_token).iss !== issuer) throw new Error("unexpected issuer");
      return body.access_token;
    });
    queue = next.catch(() => {});
    return next;
  };

  return {
    issuer,
    publicJwk: () => key.publicJwk,
    token,
    async rotate() {
      key = await signingKey(++generation);
      build();
    },
    hits: (p) => hits.get(p) ?? 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
