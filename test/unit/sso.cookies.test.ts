/**
 * Session cookie attributes and the CSRF origin rule (src/http/sso/cookies.ts, middleware.ts) on a
 * bare Hono app: over https (from `public_url` or `X-Forwarded-Proto`) the cookie is
 * `__Host-olg_session` with Secure; always HttpOnly, SameSite=Lax, Path=/; the pending sign-in
 * cookie of SAML is SameSite=None only over https. Writes from another origin, a `null` origin or
 * a cross-site fetch are not "ours"; same-origin ones and clients that send neither header are.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { originOf, setLoginCookie, setSessionCookie } from "../../src/http/sso/cookies.ts";
import { fromOurOrigin } from "../../src/http/sso/middleware.ts";

function app(publicUrl?: string) {
  const a = new Hono();
  a.get("/set", (c) => {
    const o = originOf(c, publicUrl);
    setSessionCookie(c, o, "id123", 3_600_000);
    setLoginCookie(c, o, "bind", c.req.query("saml") === "1");
    return c.json(o);
  });
  a.post("/ours", (c) => c.json({ ours: fromOurOrigin(c, publicUrl) }));
  return a;
}

const cookies = (res: Response) => res.headers.getSetCookie();

describe("session cookies", () => {
  it("over plain http: olg_session, HttpOnly, SameSite=Lax, Path=/, not Secure", async () => {
    const res = await app().request("http://olg.test/set");
    const [session, login] = cookies(res);
    expect(session).toMatch(/^olg_session=id123; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(login).toMatch(/^olg_sso=bind; Max-Age=600; Path=\/admin\/sso; HttpOnly; SameSite=Lax$/);
    expect(await res.json()).toEqual({ origin: "http://olg.test", secure: false });
  });

  it("over https (public_url or X-Forwarded-Proto): __Host- prefix and Secure; SAML binding SameSite=None", async () => {
    for (const [a, headers] of [
      [app("https://olg.example.com"), {}],
      [app(), { "x-forwarded-proto": "https" }],
    ] as const) {
      const res = await a.request("http://olg.example.com/set?saml=1", { headers });
      const [session, login] = cookies(res);
      expect(session).toBe(
        "__Host-olg_session=id123; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax",
      );
      expect(login).toBe(
        "olg_sso=bind; Max-Age=600; Path=/admin/sso; HttpOnly; Secure; SameSite=None",
      );
    }
  });
});

describe("CSRF origin rule", () => {
  const ours = async (headers: Record<string, string>, publicUrl?: string) =>
    (
      (await (
        await app(publicUrl).request("http://olg.test/ours", { method: "POST", headers })
      ).json()) as {
        ours: boolean;
      }
    ).ours;

  it("accepts our origin, or same-origin fetch metadata, or a client sending neither", async () => {
    expect(await ours({ origin: "http://olg.test", host: "olg.test" })).toBe(true);
    expect(await ours({ "sec-fetch-site": "same-origin" })).toBe(true);
    expect(await ours({})).toBe(true);
    expect(await ours({ origin: "https://olg.example.com" }, "https://olg.example.com")).toBe(true);
  });

  it("refuses another origin, a null origin and cross-site or same-site fetches", async () => {
    expect(await ours({ origin: "http://evil.test", host: "olg.test" })).toBe(false);
    expect(await ours({ origin: "null" })).toBe(false);
    expect(await ours({ origin: "not a url" })).toBe(false);
    expect(await ours({ "sec-fetch-site": "cross-site" })).toBe(false);
    expect(await ours({ "sec-fetch-site": "same-site" })).toBe(false);
    expect(await ours({ origin: "http://olg.example.com" }, "https://olg.example.com")).toBe(false);
  });
});
