/**
 * SSO bearer tokens, positive cases (issue 20): a token from each preset's local provider (real
 * `oidc-provider`, tokens signed by it) lands in that preset's organization with the mapped role,
 * checked through real routes (a viewer's write is 403, an admin reads /admin/me), and the user
 * and membership are provisioned just in time, re-roled when the mapping says otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverBackends } from "../support/server.ts";
import {
  AUTH0_NS,
  AZURE_ADMIN_GROUP,
  AZURE_TENANT,
  type SsoBed,
  startSsoBed,
} from "../support/sso.ts";

const backends = (await serverBackends("sso presets")).filter((b) => b !== "mariadb");

describe.each(backends)("sso bearer tokens: presets (%s)", (backend) => {
  let bed: SsoBed;
  beforeAll(async () => {
    bed = await startSsoBed({ backend: backend as "pglite" | "postgres" });
  }, 120_000);
  afterAll(async () => {
    await bed?.close();
  }, 30_000);

  const me = async (token: string) => {
    const res = await bed.call("GET", "/admin/me", token);
    expect(res.status).toBe(200);
    return (await res.json()) as { identity: string; role: string; org_id: string };
  };
  /** 200 on a read, then the write's status (viewer: 403). */
  const readThenWrite = async (token: string) => {
    expect((await bed.call("POST", "/threads/search", token, {})).status).toBe(200);
    return (await bed.call("POST", "/threads", token, {})).status;
  };

  it("okta: groups claim of a custom authorization server maps to the role", async () => {
    const admin = await bed.idps.okta.token({
      sub: "00u-admin",
      claims: { groups: ["Everyone", "olg-admins"] },
    });
    expect(await me(admin)).toMatchObject({
      identity: "sso:okta:00u-admin",
      role: "admin",
      org_id: "okta-org",
    });
    const dev = await bed.idps.okta.token({
      sub: "00u-dev",
      claims: { groups: ["olg-developers"] },
    });
    expect(await readThenWrite(dev)).toBe(200);
    expect((await bed.call("GET", "/admin/api/members", dev)).status).toBe(403);
    expect((await bed.call("GET", "/admin/api/members", admin)).status).toBe(200);
    const viewer = await bed.idps.okta.token({
      sub: "00u-viewer",
      claims: { groups: ["Everyone"] },
    });
    expect(await readThenWrite(viewer)).toBe(403);
  });

  it("auth0: namespaced role claims map; no matching role is 403 and provisions nothing", async () => {
    const admin = await bed.idps.auth0.token({
      sub: "auth0|admin",
      claims: { [`${AUTH0_NS}roles`]: ["olg-admin"], [`${AUTH0_NS}email`]: "a@acme.test" },
    });
    expect(await me(admin)).toMatchObject({ role: "admin", org_id: "auth0-org" });
    const user = await bed.idps.auth0.token({
      sub: "auth0|user",
      claims: { [`${AUTH0_NS}roles`]: ["olg-user"] },
    });
    expect(await readThenWrite(user)).toBe(200); // api_user writes threads
    expect((await bed.call("POST", "/assistants", user, { graph_id: "agent" })).status).toBe(403);
    // A plain `roles` claim is not Auth0's namespaced one: no role.
    const before = await bed.snapshot();
    const plain = await bed.idps.auth0.token({
      sub: "auth0|plain",
      claims: { roles: ["olg-admin"] },
    });
    const res = await bed.call("GET", "/threads/search", plain);
    expect(res.status).toBe(403);
    expect(await bed.snapshot()).toEqual(before);
  });

  it("azure-ad: tid, oid and group object ids / app roles map; overage is refused", async () => {
    const base = { tid: AZURE_TENANT, ver: "2.0" };
    const admin = await bed.idps.azure.token({
      claims: { ...base, oid: "oid-admin", groups: [AZURE_ADMIN_GROUP] },
    });
    expect(await me(admin)).toMatchObject({
      identity: "sso:entra:oid-admin",
      role: "admin",
      org_id: "azure-org",
    });
    const dev = await bed.idps.azure.token({
      claims: { ...base, oid: "oid-dev", roles: ["OLG.Developer"] },
    });
    expect(await readThenWrite(dev)).toBe(200);
    const viewer = await bed.idps.azure.token({ claims: { ...base, oid: "oid-viewer" } });
    expect(await readThenWrite(viewer)).toBe(403);
    const before = await bed.snapshot();
    const overage = await bed.idps.azure.token({
      claims: {
        ...base,
        oid: "oid-many",
        _claim_names: { groups: "src1" },
        _claim_sources: {
          src1: { endpoint: "https://graph.microsoft.com/v1.0/users/x/getMemberObjects" },
        },
      },
    });
    const res = await bed.call("GET", "/threads/search", overage);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("groups");
    expect(await bed.snapshot()).toEqual(before);
  });

  it("google-workspace: hd and email in the allowed domain; email rule picks admin", async () => {
    const boss = await bed.idps.google.token({
      sub: "1001",
      claims: { hd: "acme.test", email: "boss@acme.test", email_verified: true },
    });
    expect(await me(boss)).toMatchObject({ role: "admin", org_id: "google-org" });
    const dev = await bed.idps.google.token({
      sub: "1002",
      claims: { hd: "acme.test", email: "dev@acme.test", email_verified: true },
    });
    expect(await readThenWrite(dev)).toBe(200);
  });

  it("generic-oidc: email domain rule; the membership follows the mapping", async () => {
    const token = await bed.idps.generic.token({ sub: "g-1", claims: { email: "v@generic.test" } });
    expect(await readThenWrite(token)).toBe(403);
    const members = await bed.repo.listMembers("generic-org");
    expect(members.map((m) => [m.identity, m.role])).toEqual([["sso:generic:g-1", "viewer"]]);
    expect(await bed.repo.listMembers("okta-org")).toHaveLength(3);
    // The same person in Okta's admin group gets admin there; roles are per org.
    const okta = await bed.idps.okta.token({
      sub: "00u-viewer",
      claims: { groups: ["olg-admins"] },
    });
    expect(await me(okta)).toMatchObject({ role: "admin" });
    const oktaMembers = await bed.repo.listMembers("okta-org");
    expect(oktaMembers.find((m) => m.identity === "sso:okta:00u-viewer")?.role).toBe("admin");
  });
});
