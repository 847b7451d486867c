/**
 * The admin UI's file serving in-process (`app.request()`): `/admin` → `/admin/`, the document with
 * its CSP, hashed assets, no path escapes, 503 when not built; and with an auth module, the files
 * are exempt while `/admin/api/*` still needs credentials. Also the stale check of the on-demand
 * build.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HTTPException } from "@langchain/langgraph-sdk/auth";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { authMiddleware, isAdminShell } from "../../src/auth/authenticate.ts";
import { adminUiStale } from "../../src/cli/admin-ui-build.ts";
import { errorHandler } from "../../src/http/errors.ts";
import { mountAdminUi } from "../../src/http/routes/admin-ui.ts";

const dir = mkdtempSync(path.join(tmpdir(), "olg-admin-ui-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function built(): string {
  const dist = path.join(dir, "dist");
  mkdirSync(path.join(dist, "assets"), { recursive: true });
  writeFileSync(path.join(dist, "index.html"), '<div id="root"></div>');
  writeFileSync(path.join(dist, "assets", "index-abc.js"), "console.log(1)");
  writeFileSync(path.join(dir, "secret.txt"), "secret");
  return dist;
}

function appWith(dist: string, withAuth: boolean): Hono {
  const app = new Hono();
  app.onError(errorHandler(() => {}));
  if (withAuth)
    app.use(
      authMiddleware({
        handlers: {
          authenticate: (req: Request) => {
            if (req.headers.get("x-api-key") !== "k") throw new HTTPException(401);
            return "admin";
          },
        },
        isPublic: () => false,
      }),
    );
  app.get("/admin/api/logs", (c) => c.json({ entries: [] }));
  mountAdminUi(app, dist);
  return app;
}

describe("admin UI files", () => {
  it("redirects /admin, serves the document with a CSP and assets with long caching", async () => {
    const app = appWith(built(), false);
    const redirect = await app.request("/admin");
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/admin/");
    const doc = await app.request("/admin/");
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-type")).toContain("text/html");
    expect(doc.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await doc.text()).toContain('id="root"');
    const asset = await app.request("/admin/assets/index-abc.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
  });

  it("never serves a file outside assets", async () => {
    const app = appWith(built(), false);
    for (const p of [
      "/admin/assets/..%2F..%2Fsecret.txt",
      "/admin/assets/.hidden",
      "/admin/assets/missing.js",
      "/admin/secret.txt",
    ])
      expect((await app.request(p)).status, p).toBe(404);
  });

  it("answers 503 saying how to build when ui/dist is missing", async () => {
    const res = await appWith(path.join(dir, "nowhere"), false).request("/admin/");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build:ui");
  });

  it("with auth: the files are exempt, the admin API is not", async () => {
    const app = appWith(built(), true);
    expect((await app.request("/admin/")).status).toBe(200);
    expect((await app.request("/admin/assets/index-abc.js")).status).toBe(200);
    expect((await app.request("/admin/api/logs")).status).toBe(401);
    expect((await app.request("/admin/api/logs", { headers: { "x-api-key": "k" } })).status).toBe(
      200,
    );
    expect(isAdminShell("POST", "/admin/")).toBe(false);
    expect(isAdminShell("GET", "/admin/api/logs")).toBe(false);
    expect(isAdminShell("GET", "/admin/assets/a/b.js")).toBe(false);
  });
});

describe("adminUiStale", () => {
  it("is stale without a build or with newer sources, fresh otherwise, false without sources", () => {
    const root = mkdtempSync(path.join(tmpdir(), "olg-admin-src-"));
    try {
      expect(adminUiStale(root)).toBe(false);
      mkdirSync(path.join(root, "src"));
      writeFileSync(path.join(root, "src", "main.tsx"), "x");
      expect(adminUiStale(root)).toBe(true);
      mkdirSync(path.join(root, "dist"));
      writeFileSync(path.join(root, "dist", "index.html"), "x");
      const old = new Date(Date.now() - 60_000);
      utimesSync(path.join(root, "src", "main.tsx"), old, old);
      utimesSync(path.join(root, "src"), old, old);
      expect(adminUiStale(root)).toBe(false);
      writeFileSync(path.join(root, "src", "page.tsx"), "y");
      expect(adminUiStale(root)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
