import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { parseConfigFile } from "../../src/config/parse.ts";
import { ssoSchema } from "../../src/sso/config.ts";
import { mapClaims } from "../../src/sso/mapping.ts";
import { resolveProvider, type SsoProvider } from "../../src/sso/provider.ts";

function provider(p: Record<string, unknown>): SsoProvider {
  const parsed = ssoSchema.parse({ providers: [{ id: "p", org_id: "acme", ...p }] });
  return resolveProvider(parsed.providers[0]!);
}

function configErrors(p: Record<string, unknown>): string {
  const text = JSON.stringify({
    graphs: {},
    tenancy: { enabled: true },
    sso: { providers: [{ id: "p", org_id: "acme", ...p }] },
  });
  try {
    parseConfigFile(text, "open_langgraph.json");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return "";
}

describe("sso config", () => {
  it("names the missing field each preset needs", () => {
    expect(configErrors({ preset: "azure-ad", audience: "api://x" })).toContain(
      "sso.providers.0.tenant_id: preset azure-ad needs tenant_id",
    );
    expect(configErrors({ preset: "auth0", audience: "a", domain: "x.auth0.com" })).toContain(
      "sso.providers.0.claims_namespace: preset auth0 needs claims_namespace",
    );
    expect(configErrors({ preset: "google-workspace", audience: "cid" })).toContain(
      "sso.providers.0.allowed_domains: preset google-workspace needs allowed_domains",
    );
    expect(configErrors({ preset: "generic-oidc", audience: "a" })).toContain(
      "sso.providers.0.issuer: preset generic-oidc needs issuer",
    );
    expect(configErrors({ preset: "okta", domain: "acme.okta.com" })).toContain(
      "sso.providers.0.audience: needs audience",
    );
  });

  it("refuses none and HS* algorithms, rules without a condition and unknown keys", () => {
    const base = { preset: "generic-oidc", issuer: "https://idp.example", audience: "a" };
    expect(configErrors({ ...base, algorithms: ["none"] })).toContain(
      "sso.providers.0.algorithms.0",
    );
    expect(configErrors({ ...base, algorithms: ["HS256"] })).toContain(
      "sso.providers.0.algorithms.0",
    );
    expect(configErrors({ ...base, roles: [{ role: "admin" }] })).toContain(
      "sso.providers.0.roles.0: a rule needs a condition",
    );
    expect(configErrors({ ...base, roles: [{ group: "g", role: "owner" }] })).toContain(
      "sso.providers.0.roles.0.role",
    );
    expect(configErrors({ ...base, tenant: "x" })).toContain('unknown key "tenant"');
    expect(configErrors(base)).toBe("");
  });

  it("fills issuer templates and namespaced claim names from the preset", () => {
    expect(provider({ preset: "okta", domain: "acme.okta.com", audience: "a" }).issuer).toBe(
      "https://acme.okta.com/oauth2/default",
    );
    const auth0 = provider({
      preset: "auth0",
      domain: "acme.eu.auth0.com",
      claims_namespace: "https://olg.example.com/",
      audience: "a",
    });
    expect(auth0.issuer).toBe("https://acme.eu.auth0.com/");
    expect(auth0.claims.groups).toEqual([
      "https://olg.example.com/roles",
      "https://olg.example.com/groups",
    ]);
    const azure = provider({ preset: "azure-ad", tenant_id: "t-1", audience: "a" });
    expect(azure.issuer).toBe("https://login.microsoftonline.com/t-1/v2.0");
    expect(azure.claims.subject).toEqual(["oid"]);
    const google = provider({
      preset: "google-workspace",
      audience: "c",
      allowed_domains: ["a.b"],
    });
    expect([google.issuer, ...google.issuerAliases]).toEqual([
      "https://accounts.google.com",
      "accounts.google.com",
    ]);
    const custom = provider({
      preset: "google-workspace",
      audience: "c",
      allowed_domains: ["a.b"],
      issuer: "http://127.0.0.1:1",
    });
    expect(custom.issuerAliases).toEqual([]);
  });
});

describe("sso claim mapping", () => {
  const okta = provider({
    preset: "okta",
    domain: "acme.okta.com",
    audience: "a",
    roles: [
      { group: "olg-admins", role: "admin" },
      { group: "eng", role: "developer", org_id: "eng" },
      { email_domain: "contractor.example", role: "api_user" },
    ],
  });

  it("takes the first matching rule, its org, and refuses without a role", () => {
    // Okta access tokens: uid is the user id (sub the login); ID tokens: sub.
    const access = mapClaims({ sub: "a@acme.com", uid: "00u1", groups: ["eng"] }, okta);
    expect(access.ok && access.value.identity).toBe("sso:p:00u1");
    const both = mapClaims({ sub: "u1", groups: ["eng", "olg-admins"] }, okta);
    expect(both.ok && both.value).toMatchObject({
      role: "admin",
      orgId: "acme",
      identity: "sso:p:u1",
    });
    const eng = mapClaims({ sub: "u2", groups: ["eng"] }, okta);
    expect(eng.ok && eng.value).toMatchObject({ role: "developer", orgId: "eng" });
    const contractor = mapClaims({ sub: "u3", email: "X@Contractor.Example" }, okta);
    expect(contractor.ok && contractor.value).toMatchObject({
      role: "api_user",
      email: "x@contractor.example",
    });
    const none = mapClaims({ sub: "u4", groups: ["sales"] }, okta);
    expect(none.ok ? undefined : none.refusal).toMatchObject({ status: 403, code: "no_role" });
    expect(mapClaims({ groups: ["eng"] }, okta)).toMatchObject({
      ok: false,
      refusal: { status: 401 },
    });
  });

  it("checks the Entra tenant and handles groups overage as configured", () => {
    const base = {
      preset: "azure-ad",
      tenant_id: "T-1",
      audience: "a",
      roles: [{ group: "g-admin", role: "admin" }],
    };
    const azure = provider({ ...base, default_role: "viewer" });
    expect(mapClaims({ oid: "o", tid: "t-2", groups: ["g-admin"] }, azure)).toMatchObject({
      ok: false,
      refusal: { status: 401, code: "wrong_tenant" },
    });
    expect(mapClaims({ oid: "o", groups: ["g-admin"] }, azure)).toMatchObject({ ok: false });
    const ok = mapClaims({ oid: "o", tid: "T-1", groups: ["g-admin"] }, azure);
    expect(ok.ok && ok.value.role).toBe("admin");
    const overage = { oid: "o", tid: "T-1", _claim_names: { groups: "src1" } };
    expect(mapClaims(overage, azure)).toMatchObject({
      ok: false,
      refusal: { code: "groups_overage" },
    });
    expect(mapClaims({ oid: "o", tid: "T-1", hasgroups: true }, azure)).toMatchObject({
      ok: false,
    });
    const lenient = provider({ ...base, default_role: "viewer", groups_overage: "ignore_groups" });
    const mapped = mapClaims({ ...overage, groups: ["g-admin"] }, lenient);
    expect(mapped.ok && mapped.value.role).toBe("viewer");
  });

  it("checks Google's hd and the email domain, and refuses unverified emails", () => {
    const google = provider({
      preset: "google-workspace",
      audience: "cid",
      allowed_domains: ["Acme.com"],
      default_role: "developer",
    });
    const good = { sub: "1", hd: "acme.com", email: "a@acme.com", email_verified: true };
    expect(mapClaims(good, google).ok).toBe(true);
    expect(mapClaims({ ...good, hd: "evil.com" }, google)).toMatchObject({
      refusal: { code: "wrong_domain" },
    });
    expect(mapClaims({ ...good, hd: undefined }, google)).toMatchObject({
      refusal: { code: "wrong_domain" },
    });
    expect(mapClaims({ ...good, email: "a@evil.com" }, google)).toMatchObject({
      refusal: { code: "wrong_domain" },
    });
    expect(mapClaims({ ...good, email_verified: false }, google)).toMatchObject({
      refusal: { status: 401, code: "email_unverified" },
    });
  });
});
