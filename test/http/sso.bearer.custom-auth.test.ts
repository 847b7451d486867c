/**
 * SSO bearer tokens beside a custom `auth.path` handler: a JWT of a trusted provider is SSO's (the
 * handler never sees it), a JWT of an issuer no provider trusts goes on to the handler (which
 * refuses it with its own answer), and the handler's own tokens keep working as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SsoBed, startSsoBed } from "../support/sso.ts";

describe("sso bearer tokens beside custom auth", () => {
  let bed: SsoBed;
  beforeAll(async () => {
    bed = await startSsoBed({ authPath: "../auth/auth.ts:auth" });
    await bed.repo.putMember("default", "alice", "developer");
  }, 120_000);
  afterAll(async () => {
    await bed?.close();
  }, 30_000);

  it("trusted issuers are SSO's, unknown ones and other tokens the handler's", async () => {
    const sso = await bed.idps.okta.token({ sub: "00u-x", claims: { groups: ["olg-admins"] } });
    const me = await bed.call("GET", "/admin/me", sso);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      identity: "sso:okta:00u-x",
      role: "admin",
      org_id: "okta-org",
    });

    const before = await bed.snapshot();
    const rogue = await bed.idps.rogue.token({ sub: "00u-x", claims: { groups: ["olg-admins"] } });
    const refused = await bed.call("GET", "/admin/me", rogue);
    expect(refused.status).toBe(401);
    // The fixture handler's own refusal, not SSO's (`Bearer error="invalid_token"`).
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    expect(await bed.snapshot()).toEqual(before);

    const alice = await bed.call("GET", "/admin/me", "alice");
    expect(alice.status).toBe(200);
    expect(await alice.json()).toMatchObject({
      identity: "alice",
      role: "developer",
      org_id: "default",
    });
  });
});
