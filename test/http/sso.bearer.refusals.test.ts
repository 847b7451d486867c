/**
 * SSO bearer tokens, refusals (issue 20): against real local providers (`oidc-provider`), each of
 * expired, not yet valid, wrong audience, wrong issuer, unsigned (`alg: none`), HS256 signed with the public key,
 * forged group claim (tampered payload; re-signed by another key), key rotated (old key removed),
 * wrong tenant (Entra `tid`), wrong domain (Google `hd`, email domain, unverified email) is 401
 * with `WWW-Authenticate: Bearer error="invalid_token"`, and writes nothing: no user, no
 * membership (the whole users/memberships tables are compared before and after).
 */
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../support/poll.ts";
import { AZURE_TENANT, type SsoBed, startSsoBed } from "../support/sso.ts";

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe("sso bearer tokens: refusals", () => {
  let bed: SsoBed;
  beforeAll(async () => {
    bed = await startSsoBed();
  }, 120_000);
  afterAll(async () => {
    await bed?.close();
  }, 30_000);

  /** The token is refused with 401 and leaves users and memberships as they were. */
  const refused = async (token: string) => {
    const before = await bed.snapshot();
    const res = await bed.call("POST", "/threads", token, {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    expect(await bed.snapshot()).toEqual(before);
  };
  const accepted = async (token: string) => {
    expect((await bed.call("POST", "/threads/search", token, {})).status).toBe(200);
  };

  it("expired: refused once exp has passed (clock skew 0), a fresh token is accepted", async () => {
    const claims = { email: "late@generic.test" };
    const token = await bed.idps.generic.token({ sub: "late", claims, ttl: 1 });
    const { exp } = decodeJwt(token);
    await until(() => Date.now() >= exp! * 1000, 5_000);
    await refused(token);
    await accepted(await bed.idps.generic.token({ sub: "late", claims }));
  });

  it("not yet valid: nbf beyond the clock skew (60 s) is refused, within it accepted", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { groups: ["olg-developers"] };
    await refused(
      await bed.idps.okta.token({ sub: "early", claims: { ...claims, nbf: now + 300 } }),
    );
    await accepted(
      await bed.idps.okta.token({ sub: "early", claims: { ...claims, nbf: now + 30 } }),
    );
  });

  it("wrong audience and wrong issuer", async () => {
    const claims = { groups: ["olg-admins"] };
    await refused(
      await bed.idps.okta.token({ sub: "aud", claims, audience: "https://other.api.test" }),
    );
    // Same path, another provider: its iss (another port) is trusted by nobody.
    await refused(await bed.idps.rogue.token({ sub: "rogue", claims }));
  });

  it("unsigned (alg none) and HS256 signed with the provider's public key", async () => {
    const valid = await bed.idps.okta.token({ sub: "none", claims: { groups: ["olg-admins"] } });
    const [, payload, signature] = valid.split(".");
    await refused(`${encode({ alg: "none", typ: "JWT" })}.${payload}.`);
    await refused(`${encode({ alg: "none" })}.${payload}.${signature}`);
    const jwk = bed.idps.okta.publicJwk();
    const pem = await exportSPKI(
      (await importJWK(jwk, "RS256", { extractable: true })) as CryptoKey,
    );
    const confused = await new SignJWT(decodeJwt(valid))
      .setProtectedHeader({ alg: "HS256", kid: jwk.kid })
      .sign(new TextEncoder().encode(pem));
    await refused(confused);
  });

  it("forged group claim: tampered payload, or re-signed by another key (same or new kid)", async () => {
    const viewer = await bed.idps.okta.token({ sub: "forger", claims: { groups: ["Everyone"] } });
    const [header, , signature] = viewer.split(".");
    const forgedClaims = { ...decodeJwt(viewer), groups: ["olg-admins"] };
    await refused(`${header}.${encode(forgedClaims)}.${signature}`);
    const { privateKey } = await generateKeyPair("RS256");
    const { kid } = decodeProtectedHeader(viewer);
    for (const k of [kid, "attacker-key"])
      await refused(
        await new SignJWT(forgedClaims)
          .setProtectedHeader({ alg: "RS256", kid: k })
          .sign(privateKey),
      );
  });

  it("wrong tenant (Entra tid) and wrong domain (Google hd, email domain, unverified)", async () => {
    const azure = { oid: "oid-x", groups: [] };
    await refused(
      await bed.idps.azure.token({
        claims: { ...azure, tid: "00000000-0000-0000-0000-000000000001" },
      }),
    );
    await refused(await bed.idps.azure.token({ claims: azure }));
    await accepted(await bed.idps.azure.token({ claims: { ...azure, tid: AZURE_TENANT } }));
    const google = { hd: "acme.test", email: "x@acme.test", email_verified: true };
    await refused(
      await bed.idps.google.token({ sub: "g1", claims: { ...google, hd: "evil.test" } }),
    );
    await refused(
      await bed.idps.google.token({
        sub: "g2",
        claims: { email: "x@gmail.com", email_verified: true },
      }),
    );
    await refused(
      await bed.idps.google.token({ sub: "g3", claims: { ...google, email: "x@evil.test" } }),
    );
    await refused(
      await bed.idps.google.token({ sub: "g4", claims: { ...google, email_verified: false } }),
    );
    await refused(
      await bed.idps.generic.token({ sub: "g5", claims: { email: "x@elsewhere.test" } }),
    );
  });

  it("key rotated: the new key is fetched on its first token, then the old key's tokens fail", async () => {
    const claims = { groups: ["olg-developers"] };
    const old = await bed.idps.okta.token({ sub: "rotation", claims });
    await accepted(old);
    await bed.idps.okta.rotate();
    const fresh = await bed.idps.okta.token({ sub: "rotation", claims });
    expect(decodeProtectedHeader(fresh).kid).not.toBe(decodeProtectedHeader(old).kid);
    await accepted(fresh);
    await refused(old);
  });
});
