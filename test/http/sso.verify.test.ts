/**
 * The bearer verifier against a real local provider (`oidc-provider`): the JWKS refetch that an
 * unknown `kid` triggers is bounded by the cooldown (counted at the provider: a flood of made-up
 * key ids costs no fetch within the cooldown, one per token without it), and a provider that
 * cannot be reached is `unavailable` (503 at the edge), not a verdict on the token.
 */
import { decodeJwt, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoSchema } from "../../src/sso/config.ts";
import { resolveProviders } from "../../src/sso/provider.ts";
import { BearerVerifier } from "../../src/sso/verify.ts";
import { startIdp, type TestIdp } from "../support/oidc-idp.ts";

const AUDIENCE = "https://api.olg.test";

function verifier(issuer: string, cooldownSeconds: number): BearerVerifier {
  const sso = ssoSchema.parse({
    providers: [
      {
        id: "p",
        preset: "generic-oidc",
        org_id: "o",
        issuer,
        audience: AUDIENCE,
        jwks: { cooldown_seconds: cooldownSeconds },
      },
    ],
  });
  return new BearerVerifier(resolveProviders(sso));
}

describe("sso bearer verifier", () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startIdp({ path: "/realms/verify", audience: AUDIENCE });
  }, 60_000);
  afterAll(async () => {
    await idp?.close();
  });

  const madeUpKids = async (token: string, n: number) => {
    const { privateKey } = await generateKeyPair("RS256");
    const tokens = [];
    for (let i = 0; i < n; i++)
      tokens.push(
        await new SignJWT(decodeJwt(token))
          .setProtectedHeader({ alg: "RS256", kid: `made-up-${i}` })
          .sign(privateKey),
      );
    return tokens;
  };

  it("unknown kids refetch the JWKS at most once per cooldown", async () => {
    const token = await idp.token({ sub: "u" });
    const cooled = verifier(idp.issuer, 30);
    const base = idp.hits("/jwks");
    expect((await cooled.verify(token)).kind).toBe("ok");
    expect(idp.hits("/jwks")).toBe(base + 1);
    for (const forged of await madeUpKids(token, 10))
      expect(await cooled.verify(forged)).toMatchObject({ kind: "invalid" });
    expect(idp.hits("/jwks")).toBe(base + 1);
    expect(idp.hits("/.well-known/openid-configuration")).toBeGreaterThanOrEqual(1);

    // Without a cooldown each unknown kid is a fetch: the cooldown is what bounds them.
    const eager = verifier(idp.issuer, 0);
    expect((await eager.verify(token)).kind).toBe("ok");
    const before = idp.hits("/jwks");
    for (const forged of await madeUpKids(token, 3))
      expect(await eager.verify(forged)).toMatchObject({ kind: "invalid" });
    expect(idp.hits("/jwks")).toBe(before + 3);
  });

  it("an unreachable provider is unavailable; unknown issuers and garbage are told apart", async () => {
    const other = await startIdp({ path: "/realms/gone", audience: AUDIENCE });
    let token: string;
    try {
      token = await other.token({ sub: "u" });
    } finally {
      await other.close();
    }
    const v = verifier(other.issuer, 30);
    expect(await v.verify(token)).toMatchObject({ kind: "unavailable" });
    expect(await verifier(idp.issuer, 30).verify(token)).toEqual({ kind: "unknown_issuer" });
    expect(await v.verify("a.b.c")).toMatchObject({ kind: "invalid" });
  });
});
