/**
 * Generative-UI routes, as the official server serves them: `POST /ui/:agent {name}` answers the
 * HTML snippet (stylesheets + the script calling `__LGUI_<agent>.render(name, "{{shadowRootId}}")`)
 * that `LoadExternalComponent` injects, and `GET /ui/:agent/:file` serves the built assets.
 */
import path from "node:path";
import { getMimeType } from "hono/utils/mime";
import { z } from "zod";
import type { UiBundles } from "../../ui/bundles.ts";
import type { Api } from "../api.ts";

const componentBody = z.object({ name: z.string() });

/** `http:` for localhost hosts, protocol-relative otherwise (upstream rule). */
export function assetOrigin(host: string | undefined): string {
  const isHost = (needle: string) => host === needle || !!host?.startsWith(`${needle}:`);
  const protocol = isHost("localhost") || isHost("127.0.0.1") ? "http:" : "";
  return `${protocol}//${host ?? ""}`;
}

/** The HTML that loads `agent`'s bundle and renders component `name`. */
export function componentHtml(
  bundles: UiBundles,
  agent: string,
  name: string,
  host: string | undefined,
): string | null {
  const files = bundles.files(agent);
  if (files.length === 0) return null;
  const base = `${assetOrigin(host)}/ui/${agent}`;
  const lines = files
    .filter((f) => path.extname(f.basename) === ".css")
    .map((f) => `<link rel="stylesheet" href="${base}/${f.basename}" />`);
  const js = files.find((f) => path.extname(f.basename) === ".js");
  if (js) {
    const global = `__LGUI_${agent.replace(/[^a-zA-Z0-9]/g, "_")}`;
    lines.push(
      `<script src="${base}/${js.basename}" onload='${global}.render(${JSON.stringify(name)}, "{{shadowRootId}}")'></script>`,
    );
  }
  return lines.join("\n");
}

/** Registers the UI routes over the built bundles. */
export function registerUiRoutes(api: Api, bundles: UiBundles): void {
  api.route(
    {
      method: "post",
      path: "/ui/:agent",
      summary: "HTML snippet loading a generative-UI component",
      tags: ["UI"],
      body: componentBody,
      responseType: "text/html",
    },
    (c, { body, params }) => {
      const agent = params.agent ?? "";
      const html = componentHtml(bundles, agent, body.name, c.req.header("host"));
      if (html == null) return c.text(`UI not found for agent "${agent}"`, 404);
      return c.text(html, 200, { "Content-Type": "text/html" });
    },
  );
  api.route(
    {
      method: "get",
      path: "/ui/:agent/:file",
      summary: "A built generative-UI asset",
      tags: ["UI"],
      responseType: "application/javascript",
      public: true,
    },
    (c, { params }) => {
      const file = bundles.file(params.agent ?? "", params.file ?? "");
      if (!file) return c.text("File not found", 404);
      return c.body(file.contents as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": getMimeType(file.basename) ?? "text/plain",
      });
    },
  );
}
