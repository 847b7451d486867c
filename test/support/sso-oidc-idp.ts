/**
 * A real OpenID provider for browser sign-in tests: `oidc-provider` (certified) in process on a
 * random loopback port, with its development login form (any login, any password: the login
 * names the account) and consent page, PKCE required, RP-initiated logout on. Accounts and their
 * claims come from the test. The relying party's redirect URIs are known only once the server
 * under test listens, so the provider is created in `configure()` after `listen()`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** An account of the provider: its login → claims. */
export type Accounts = Record<string, Record<string, unknown>>;

/** A started provider. */
export interface OidcIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers the client with the server under test's URLs (call once, after it listens). */
  configure(serverUrl: string, providerId: string): void;
  /** How many end_session requests it saw. */
  endSessions(): number;
  close(): Promise<void>;
}

/** Starts the provider with `accounts`. */
export async function startOidcIdp(accounts: Accounts): Promise<OidcIdp> {
  let handler: ((req: any, res: any) => void) | undefined;
  let ends = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith("/session/end")) ends += 1;
    if (!handler) {
      res.statusCode = 503;
      res.end("not configured");
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "olg-admin";
  const clientSecret = "s3cret-for-tests-only-0123456789";
  return {
    issuer,
    clientId,
    clientSecret,
    configure(serverUrl, providerId) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [`${serverUrl}/admin/sso/${providerId}/callback`],
            post_logout_redirect_uris: [`${serverUrl}/admin/`],
            response_types: ["code"],
            grant_types: ["authorization_code"],
          },
        ],
        async findAccount(_ctx: unknown, sub: string) {
          const claims = accounts[sub];
          if (!claims) return undefined;
          return { accountId: sub, claims: async () => ({ sub, ...claims }) };
        },
        claims: {
          openid: ["sub"],
          email: ["email", "email_verified"],
          profile: ["name"],
          groups: ["groups"],
        },
        scopes: ["openid", "email", "profile", "groups"],
        conformIdTokenClaims: false,
        pkce: { required: () => true },
        features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
        cookies: { keys: ["test-cookie-key-0123456789abcdef"] },
      } as any);
      handler = provider.callback();
    },
    endSessions: () => ends,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
