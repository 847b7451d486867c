/**
 * Authentication in-process (`app.request()`, no port): result normalisation, the official
 * exemptions, Studio, registry-public routes, and how failures reach the client.
 */
import path from "node:path";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { authMiddleware, normalizeAuthResult } from "../../src/auth/authenticate.ts";
import { type AuthHandlers, loadAuthHandlers, splitModuleSpec } from "../../src/auth/load.ts";
import { type StudioVerifier, sha256Hex, studioVerifier } from "../../src/auth/studio.ts";
import { publicRouteMatcher } from "../../src/http/authz.ts";
import { errorHandler } from "../../src/http/errors.ts";

describe("normalizeAuthResult", () => {
  it("turns a string into a user without permissions", () => {
    expect(normalizeAuthResult("ann")).toEqual({
      permissions: [],
      user: { identity: "ann", permissions: [], display_name: "ann", is_authenticated: true },
    });
  });

  it("keeps extra fields and fills display_name/is_authenticated", () => {
    expect(normalizeAuthResult({ identity: "ann", permissions: ["a"], email: "e" })).toEqual({
      permissions: ["a"],
      user: {
        identity: "ann",
        permissions: ["a"],
        email: "e",
        display_name: "ann",
        is_authenticated: true,
      },
    });
    const kept = normalizeAuthResult({ identity: "x", is_authenticated: false, display_name: "X" });
    expect(kept.user).toMatchObject({
      is_authenticated: false,
      display_name: "X",
      permissions: [],
    });
  });

  it("rejects results without an identity", () => {
    expect(() => normalizeAuthResult({ id: "x" })).toThrow("Invalid auth response received");
    expect(() => normalizeAuthResult(null)).toThrow("Invalid auth response received");
  });
});

function app(handlers: AuthHandlers, options: { studio?: StudioVerifier } = {}) {
  const errors: unknown[] = [];
  const a = new Hono();
  a.onError(errorHandler((e) => errors.push(e)));
  const routes = [
    { method: "get" as const, path: "/ready", summary: "", tags: [], public: true },
    { method: "get" as const, path: "/things/:id", summary: "", tags: [] },
  ];
  a.use(
    authMiddleware({
      handlers,
      studio: options.studio,
      isPublic: publicRouteMatcher(routes),
    }),
  );
  const who = (c: import("hono").Context) => c.json(c.get("auth") ?? null);
  for (const p of ["/info", "/ready", "/ok", "/things/:id", "/ui/:agent", "/ui/:agent/:file"]) {
    a.get(p, who);
    a.post(p, who);
  }
  return { app: a, errors };
}

const bearer = new Auth().authenticate(async (request) => {
  const token = request.headers.get("authorization");
  if (token === "Bearer ok") return { identity: "ok", permissions: ["x"] };
  if (token === "Bearer crash") throw new Error("internal detail");
  throw new HTTPException(401, { message: "nope", headers: { "WWW-Authenticate": "Bearer" } });
});
const handlers = bearer["~handlerCache"] as AuthHandlers;

describe("authMiddleware", () => {
  it("authenticates and sets c.var.auth", async () => {
    const res = await app(handlers).app.request("/ok", { headers: { authorization: "Bearer ok" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { identity: "ok" }, permissions: ["x"] });
  });

  it("answers the HTTPException's status, message and headers", async () => {
    const res = await app(handlers).app.request("/things/1");
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("nope");
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("logs other failures and answers a bare 500", async () => {
    const { app: a, errors } = app(handlers);
    const res = await a.request("/ok", { headers: { authorization: "Bearer crash" } });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(String(errors[0])).toContain("internal detail");
  });

  it("skips /info (any method), GET /ui/*, and routes declared public", async () => {
    const { app: a } = app(handlers);
    expect((await a.request("/info")).status).toBe(200);
    expect((await a.request("/info", { method: "POST" })).status).toBe(200);
    expect((await a.request("/ui/agent/entry.js")).status).toBe(200);
    expect((await a.request("/ready")).status).toBe(200);
    expect((await a.request("/ui/agent", { method: "POST" })).status).toBe(401);
    expect((await a.request("/ready", { method: "POST" })).status).toBe(401);
  });

  it("ignores x-auth-scheme: langsmith unless Studio keys are configured", async () => {
    // The header alone never changes who the caller is: the custom handler decides.
    const headers = { "x-auth-scheme": "langsmith" };
    const plain = app(handlers).app;
    expect((await plain.request("/ok", { headers })).status).toBe(401);
    expect(
      (await plain.request("/things/1", { headers: { ...headers, "x-api-key": "k" } })).status,
    ).toBe(401);
    const asUser = await plain.request("/ok", {
      headers: { ...headers, authorization: "Bearer ok" },
    });
    expect(await asUser.json()).toMatchObject({ user: { identity: "ok" } });
  });

  it("lets Studio in as langgraph-studio-user only with an accepted LangSmith key", async () => {
    const studio = studioVerifier([sha256Hex("lsv2_good")]);
    const a = app(handlers, { studio }).app;
    const headers = { "x-auth-scheme": "langsmith" };
    const res = await a.request("/ok", { headers: { ...headers, "x-api-key": "lsv2_good" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      user: { identity: "langgraph-studio-user", kind: "StudioUser", is_authenticated: true },
      permissions: [],
    });
    for (const key of [undefined, "", "lsv2_bad", "lsv2_good "]) {
      const h: Record<string, string> = { ...headers };
      if (key !== undefined) h["x-api-key"] = key;
      const r = await a.request("/things/1", { headers: h });
      // A trailing space is trimmed like every header value: only missing or wrong keys fail.
      expect(r.status, `key ${JSON.stringify(key)}`).toBe(key === "lsv2_good " ? 200 : 401);
    }
    // Without the Studio header the key means nothing.
    expect((await a.request("/things/1", { headers: { "x-api-key": "lsv2_good" } })).status).toBe(
      401,
    );
  });

  it("has no Studio verifier without accepted keys, and refuses malformed digests", () => {
    expect(studioVerifier([])).toBeUndefined();
    expect(studioVerifier([" "])).toBeUndefined();
    expect(() => studioVerifier(["abc"])).toThrow("not a SHA-256 hex digest");
  });

  it("passes through when the module defines no authenticate", async () => {
    const res = await app({ callbacks: {} }).app.request("/ok");
    expect(res.status).toBe(200);
    expect(await res.json()).toBeNull();
  });
});

describe("loadAuthHandlers", () => {
  const fixtures = path.resolve(import.meta.dirname, "../fixtures/auth");

  it("loads an Auth export from TypeScript without a build step", async () => {
    const loaded = await loadAuthHandlers("./auth.ts:auth", fixtures);
    expect(typeof loaded.authenticate).toBe("function");
    expect(Object.keys(loaded.callbacks ?? {})).toContain("store");
  });

  it("rejects a missing export or a non-Auth value", async () => {
    await expect(loadAuthHandlers("./auth.ts:nothing", fixtures)).rejects.toThrow(
      "Failed to load auth: ./auth.ts:nothing",
    );
    await expect(loadAuthHandlers("./whoami.ts:graph", fixtures)).rejects.toThrow(
      "Auth must be an instance of Auth",
    );
    await expect(loadAuthHandlers("./missing.ts:auth", fixtures)).rejects.toThrow("cannot load");
  });

  it("splits module specs", () => {
    expect(splitModuleSpec("./a.ts:auth")).toEqual({ file: "./a.ts", exportName: "auth" });
    expect(splitModuleSpec("./a.ts")).toEqual({ file: "./a.ts", exportName: "default" });
    expect(splitModuleSpec("C:/x/a.ts")).toEqual({ file: "C:/x/a.ts", exportName: "default" });
  });
});
