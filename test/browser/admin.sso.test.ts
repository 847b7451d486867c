/**
 * Admin UI sign-in through real identity providers (issue 20), in chromium: `oidc-provider` (its
 * login form and consent page, PKCE, RP-initiated logout) and a SAML IdP (`samlify`, keys made per
 * run). Sign-in lands in the mapped org with the mapped role; the session cookie is HttpOnly,
 * SameSite=Lax, Path=/; writes need the CSRF token and our origin; logout and the admin API revoke
 * sessions (the old cookie is then 401); a disallowed e-mail domain, a replayed SAML response, an
 * unsigned assertion and an assertion for another audience are refused and open no session.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminSession, axeSerious, openAdmin, shoot } from "../support/browser.ts";
import { ROOT } from "../support/server.ts";
import { type OidcIdp, startOidcIdp } from "../support/sso-oidc-idp.ts";
import { type SamlIdp, startSamlIdp } from "../support/sso-saml-idp.ts";
import { olgJson } from "../support/tenancy.ts";

let s: AdminSession;
let oidc: OidcIdp;
let saml: SamlIdp;
let dir: string;
let adminKey: string;
let base: string;

const people = {
  alice: { email: "alice@acme.test", groups: ["olg-admins"], name: "Alice" },
  vic: { email: "vic@acme.test", groups: ["staff"], name: "Vic" },
  mallory: { email: "mallory@evil.test", groups: ["olg-admins"], name: "Mallory" },
};

beforeAll(async () => {
  oidc = await startOidcIdp(people);
  saml = await startSamlIdp(people);
  dir = mkdtempSync(path.join(tmpdir(), "olg-sso-"));
  await olgJson(["org", "create", "Acme", "--id", "acme"], { dataDir: dir });
  adminKey = (
    await olgJson(["keys", "create", "--org", "acme", "--role", "admin", "--name", "boot"], {
      dataDir: dir,
    })
  ).key;
  const mapping = {
    org_id: "acme",
    roles: [{ group: "olg-admins", role: "admin" }],
    default_role: "viewer",
    allowed_domains: ["acme.test"],
  };
  const config = {
    graphs: { agent: `${path.join(ROOT, "examples/basic/agent.ts")}:graph` },
    tenancy: { enabled: true },
    sso: {
      providers: [
        {
          id: "okta",
          preset: "generic-oidc",
          name: "Okta (test)",
          issuer: oidc.issuer,
          client_id: oidc.clientId,
          client_secret: oidc.clientSecret,
          scopes: ["openid", "email", "profile", "groups"],
          ...mapping,
        },
        {
          id: "corp",
          preset: "generic-saml",
          name: "Corp SAML (test)",
          issuer: saml.entityId,
          saml: { entry_point: saml.ssoUrl, idp_cert: saml.cert },
          ...mapping,
        },
      ],
    },
  };
  const file = path.join(dir, "open_langgraph.json");
  writeFileSync(file, JSON.stringify(config));
  s = await openAdmin({ config: file, dataDir: dir });
  base = s.server.url;
  oidc.configure(base, "okta");
  await saml.configure(`${base}/admin/sso/corp/metadata`);
}, 240_000);

afterAll(async () => {
  await s?.close();
  await oidc?.close();
  await saml?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** A fresh browser profile (no cookies of the server or the providers). */
async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await s.browser.newContext();
  return { context, page: await context.newPage() };
}

/** Whether the server logged a refused SAML response whose reason matches `reason`. */
function refusedFor(reason: RegExp): boolean {
  return s.server.logs.some((l) => l.includes("saml response refused") && reason.test(l));
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(base)).find((c) => c.name === "olg_session");
}

/** `GET /admin/me` with only a session cookie (as any client holding it would). */
async function meWith(cookie: string) {
  return fetch(`${base}/admin/me`, { headers: { cookie: `olg_session=${cookie}` } });
}

async function oidcSignIn(page: Page, login: string): Promise<void> {
  await page.goto(`${base}/admin/`);
  await page.getByRole("link", { name: "Sign in with Okta (test)" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any-password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

async function samlSignIn(page: Page, login: string): Promise<void> {
  await page.goto(`${base}/admin/`);
  await page.getByRole("link", { name: "Sign in with Corp SAML (test)" }).click();
  await page.getByLabel("Login").fill(login);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

describe("OIDC sign-in (oidc-provider)", () => {
  it("signs in through the provider, lands in the mapped org and role, sets a safe cookie", async () => {
    const { context, page } = await freshPage();
    await page.goto(`${base}/admin/`);
    const buttons = page.getByRole("link", { name: /^Sign in with / });
    await expect
      .poll(() => buttons.allTextContents())
      .toEqual(["Sign in with Okta (test)", "Sign in with Corp SAML (test)"]);
    expect(await page.getByLabel("API key").count()).toBe(1); // key sign-in stays
    await shoot(page, "sso-sign-in");
    expect(await axeSerious(page)).toEqual([]);
    await oidcSignIn(page, "alice");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    await expect.poll(() => page.getByTestId("me").textContent()).toContain("admin");
    await shoot(page, "sso-signed-in");
    const cookie = await sessionCookie(context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/", secure: false });
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await (await meWith(cookie!.value)).json();
    expect(me).toMatchObject({ identity: "sso:okta:alice", org_id: "acme", role: "admin" });
    // The UI writes with the cookie and the CSRF token; the same write without the token is 403.
    const writes = await page.evaluate(async () => {
      const token = (await (await fetch("/admin/session")).json()).session.csrf_token as string;
      const post = (headers: Record<string, string>) =>
        fetch("/threads", { method: "POST", headers, body: "{}" }).then((r) => r.status);
      return { withToken: await post({ "x-csrf-token": token }), without: await post({}) };
    });
    expect(writes).toEqual({ withToken: 200, without: 403 });
    await context.close();
  });

  it("maps a user without a mapped group to the default role, refused writes as a key would be", async () => {
    const { context, page } = await freshPage();
    await oidcSignIn(page, "vic");
    await expect.poll(() => page.getByTestId("me").textContent()).toContain("viewer");
    const status = await page.evaluate(async () => {
      const token = (await (await fetch("/admin/session")).json()).session.csrf_token as string;
      const res = await fetch("/assistants", {
        method: "POST",
        headers: { "x-csrf-token": token, "content-type": "application/json" },
        body: JSON.stringify({ graph_id: "agent" }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    await context.close();
  });

  it("refuses a cross-origin write carrying the session cookie", async () => {
    const { context, page } = await freshPage();
    await oidcSignIn(page, "alice");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    const token = await page.evaluate(
      async () => (await (await fetch("/admin/session")).json()).session.csrf_token as string,
    );
    const cookie = (await sessionCookie(context))!.value;
    const count = async () =>
      (
        (await (
          await fetch(`${base}/threads/search`, {
            method: "POST",
            headers: { "x-api-key": adminKey, "content-type": "application/json" },
            body: JSON.stringify({ limit: 1000 }),
          })
        ).json()) as unknown[]
      ).length;
    const before = await count();
    // From a page of another origin (the IdP's): the browser sends the cookie (same site), the
    // server sees a foreign Origin and refuses; nothing is created.
    await page.goto(`${oidc.issuer}/.well-known/openid-configuration`);
    await page.evaluate(
      async ({ url, token }) => {
        await fetch(url, {
          method: "POST",
          mode: "no-cors",
          credentials: "include",
          headers: { "content-type": "text/plain" },
          body: JSON.stringify({ csrf: token }),
        }).catch(() => undefined);
      },
      { url: `${base}/threads`, token },
    );
    // A script that even knows the token, from a foreign origin: 403.
    const foreign = await fetch(`${base}/threads`, {
      method: "POST",
      headers: {
        cookie: `olg_session=${cookie}`,
        origin: "http://evil.example",
        "x-csrf-token": token,
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(foreign.status).toBe(403);
    const siteOnly = await fetch(`${base}/threads`, {
      method: "POST",
      headers: {
        cookie: `olg_session=${cookie}`,
        "sec-fetch-site": "cross-site",
        "x-csrf-token": token,
      },
      body: "{}",
    });
    expect(siteOnly.status).toBe(403);
    expect(await count()).toBe(before);
    // Bearer / API-key requests are unaffected by the CSRF rules.
    const keyed = await fetch(`${base}/threads`, {
      method: "POST",
      headers: { "x-api-key": adminKey, origin: "http://evil.example" },
      body: "{}",
    });
    expect(keyed.status).toBe(200);
    await context.close();
  });

  it("logs out: the session is revoked (old cookie 401) and the provider's logout is offered", async () => {
    const { context, page } = await freshPage();
    await oidcSignIn(page, "alice");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    const old = (await sessionCookie(context))!.value;
    expect((await meWith(old)).status).toBe(200);
    const ends = oidc.endSessions();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => oidc.endSessions()).toBeGreaterThan(ends);
    expect((await meWith(old)).status).toBe(401);
    expect(await sessionCookie(context)).toBeUndefined();
    await context.close();
  });

  it("revokes a member's sessions through the admin API", async () => {
    const { context, page } = await freshPage();
    await oidcSignIn(page, "alice");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    const cookie = (await sessionCookie(context))!.value;
    const list = (await (
      await fetch(`${base}/admin/api/sessions`, { headers: { "x-api-key": adminKey } })
    ).json()) as { user_id: string; identity: string }[];
    const userId = list.find((x) => x.identity === "sso:okta:alice")!.user_id;
    const res = await fetch(`${base}/admin/api/members/${userId}/sessions`, {
      method: "DELETE",
      headers: { "x-api-key": adminKey },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { revoked: number }).revoked).toBeGreaterThan(0);
    expect((await meWith(cookie)).status).toBe(401);
    await page.reload();
    await expect
      .poll(() => page.getByRole("heading", { name: "Sign in to Open LangGraph" }).count())
      .toBe(1);
    await context.close();
  });

  it("refuses an e-mail domain outside the allowed ones: no session", async () => {
    const { context, page } = await freshPage();
    const answer = page.waitForResponse((r) => r.url().includes("/admin/sso/okta/callback"));
    await oidcSignIn(page, "mallory");
    expect((await answer).status()).toBe(401);
    await expect.poll(() => page.getByRole("heading", { name: "Sign-in refused" }).count()).toBe(1);
    expect(await sessionCookie(context)).toBeUndefined();
    await context.close();
  });
});

describe("SAML sign-in (samlify IdP)", () => {
  it("publishes SP metadata with the ACS URL and signed assertions wanted", async () => {
    const xml = await (await fetch(`${base}/admin/sso/corp/metadata`)).text();
    expect(xml).toContain(`entityID="${base}/admin/sso/corp/metadata"`);
    expect(xml).toContain(`Location="${base}/admin/sso/corp/acs"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
  });

  it("signs in with a signed assertion, lands in the mapped org and role", async () => {
    saml.setMode("ok");
    const { context, page } = await freshPage();
    await samlSignIn(page, "alice");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    const cookie = (await sessionCookie(context))!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    const me = await (await meWith(cookie.value)).json();
    expect(me).toMatchObject({
      identity: "sso:corp:alice@acme.test",
      org_id: "acme",
      role: "admin",
    });

    // The same response posted again (by the same browser) is a replay: 401, no new session.
    const last = saml.last()!;
    const replay = await page.evaluate(
      async ({ acs, samlResponse }) =>
        (
          await fetch(acs, {
            method: "POST",
            body: new URLSearchParams({ SAMLResponse: samlResponse }),
            redirect: "manual",
          })
        ).status,
      last,
    );
    expect(replay).toBe(401);
    await expect.poll(() => refusedFor(/InResponseTo is not valid|replayed assertion/)).toBe(true);
    await context.close();
  });

  for (const [mode, what, reason] of [
    ["unsigned-assertion", "an unsigned assertion (only the response signed)", /Invalid signature/],
    ["unsigned", "a response with no signature at all", /Invalid signature/],
    ["wrong-audience", "an assertion for another audience", /audience/i],
    ["idp-initiated", "a response to no request of ours (IdP-initiated)", /InResponseTo/],
  ] as const) {
    it(`refuses ${what}: 401, no session`, async () => {
      saml.setMode(mode);
      const { context, page } = await freshPage();
      const answer = page.waitForResponse((r) => r.url().endsWith("/admin/sso/corp/acs"));
      await samlSignIn(page, "alice");
      expect((await answer).status()).toBe(401);
      await expect.poll(() => refusedFor(reason)).toBe(true);
      expect(await sessionCookie(context)).toBeUndefined();
      await context.close();
      saml.setMode("ok");
    });
  }

  it("refuses an e-mail domain outside the allowed ones: 401, no session", async () => {
    saml.setMode("ok");
    const { context, page } = await freshPage();
    const answer = page.waitForResponse((r) => r.url().endsWith("/admin/sso/corp/acs"));
    await samlSignIn(page, "mallory");
    expect((await answer).status()).toBe(401);
    expect(await sessionCookie(context)).toBeUndefined();
    await context.close();
  });
});
