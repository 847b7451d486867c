/**
 * Pending sign-ins bound to the browser that started them: the row (OIDC state / SAML request
 * id → PKCE verifier, nonce, return path) lives server-side for 10 minutes and is used once; the
 * browser holds a random value whose sha256 the row keeps, so a callback replayed or completed
 * in another browser (login CSRF) finds no match.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Context } from "hono";
import type { LoginRequest, SsoStore } from "../../sso/browser/store.ts";
import { clearLoginCookie, type Origin, readLoginCookie, setLoginCookie } from "./cookies.ts";

/** How long a started sign-in may take. */
export const LOGIN_TTL_MS = 10 * 60_000;

const sha = (v: string) => createHash("sha256").update(v, "utf8").digest("hex");

/** Saves a pending sign-in and sets its browser cookie. */
export async function rememberLogin(
  c: Context,
  store: SsoStore,
  origin: Origin,
  row: Omit<LoginRequest, "binding_hash" | "expires_at">,
  crossSitePost: boolean,
): Promise<void> {
  const binding = randomBytes(24).toString("base64url");
  await store.saveLoginRequest({
    ...row,
    binding_hash: sha(binding),
    expires_at: new Date(Date.now() + LOGIN_TTL_MS),
  });
  setLoginCookie(c, origin, binding, crossSitePost);
}

/** Whether this browser started the pending sign-in `row`. */
export function boundToThisBrowser(c: Context, row: LoginRequest): boolean {
  const binding = readLoginCookie(c);
  return binding !== undefined && sha(binding) === row.binding_hash;
}

/** Takes the pending sign-in `requestId` of `provider` if this browser started it (single use). */
export async function takeLogin(
  c: Context,
  store: SsoStore,
  origin: Origin,
  provider: string,
  requestId: string,
): Promise<LoginRequest | undefined> {
  clearLoginCookie(c, origin);
  const row = await store.takeLoginRequest(requestId, new Date());
  if (!row || row.provider !== provider || !boundToThisBrowser(c, row)) return undefined;
  return row;
}
