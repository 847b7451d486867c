/**
 * The admin UI's files (`ui/dist`, built by `npm run build:ui`, shipped in the package): `GET /admin`
 * redirects to `/admin/`, which answers `index.html`; `GET /admin/assets/<file>` the hashed assets
 * (cached for a year). The UI routes by URL hash, so nothing else under `/admin` is served here
 * (`/admin/api/*` is the authenticated admin API).
 *
 * These files hold no data, so they are exempt from authentication like the official `/ui/*`
 * assets (`isAdminShell` in src/auth/authenticate.ts); the UI then calls the public API with the caller's API key. They are
 * not API routes, so they are mounted on the Hono app directly and stay out of `/openapi.json`.
 * Off with `http.disable_admin`. When the folder has no build (a source checkout before
 * `npm run build:ui`), `/admin/` answers 503 saying so.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import { getMimeType } from "hono/utils/mime";

/** Where the built UI lives: `<package>/ui/dist` (this file is `src|dist/http/routes/*`). */
export const ADMIN_UI_DIR = fileURLToPath(new URL("../../../ui/dist/", import.meta.url));

/** The document's policy: only this origin; inline styles for the graph canvas. */
const DOCUMENT_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-cache",
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin UI not built</title></head>
<body><h1>The admin UI is not built</h1><p>This server runs from a source checkout without <code>ui/dist</code>.
Run <code>npm run build:ui</code> (or <code>olg dev</code>, which builds it) and reload.</p></body></html>`;

/** Mounts the admin UI on `app`, serving files from `dir`. */
export function mountAdminUi(app: Hono<any>, dir: string = ADMIN_UI_DIR): void {
  app.get("/admin", (c) => c.redirect("/admin/", 308));
  app.get("/admin/", async (c) => {
    const html = await readFile(path.join(dir, "index.html"), "utf8").catch(() => null);
    if (html == null) return c.html(NOT_BUILT, 503);
    return c.body(html, 200, DOCUMENT_HEADERS);
  });
  app.get("/admin/assets/:file", async (c) => {
    const name = c.req.param("file");
    if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) return c.text("File not found", 404);
    const body = await readFile(path.join(dir, "assets", name)).catch(() => null);
    if (body == null) return c.text("File not found", 404);
    return c.body(body, 200, {
      "Content-Type": getMimeType(name) ?? "application/octet-stream",
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
    });
  });
}
