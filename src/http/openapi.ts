/** `/openapi.json` generated from the route registry, and a self-contained `/docs` page. */
import { z } from "zod";
import { routePermission } from "../tenancy/route-permissions.ts";
import type { Api, RouteSpec } from "./api.ts";

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

function jsonSchema(schema: z.ZodType, io: "input" | "output"): unknown {
  try {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
      io,
      unrepresentable: "any",
    }) as Record<string, unknown>;
    return rest;
  } catch {
    return {};
  }
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const params = [...spec.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = spec.query
    ? (jsonSchema(spec.query, "input") as { properties?: Record<string, unknown> })
    : undefined;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) {
    params.push({ name, in: "query", required: false, schema: schema as { type: string } });
  }
  const op: Record<string, unknown> = {
    summary: spec.summary,
    tags: spec.tags,
    operationId: `${spec.method}_${spec.path.replace(/[^A-Za-z0-9]+/g, "_")}`,
    parameters: params,
    responses: {
      "200": {
        description: "Success",
        content: {
          [spec.responseType ?? "application/json"]: {
            schema: spec.response ? jsonSchema(spec.response, "output") : {},
          },
        },
      },
    },
  };
  if (spec.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(spec.body, "input") } },
    };
  }
  if (spec.public) op.security = [];
  // The role permission the route needs when tenancy is on (src/tenancy/route-permissions.ts).
  else op["x-olg-permission"] = routePermission(spec);
  return op;
}

/** Builds the OpenAPI 3.1 document of every registered route. */
export function buildOpenApi(
  api: Api,
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of api.routes) {
    const path = toOpenApiPath(spec.path);
    paths[path] ??= {};
    paths[path][spec.method] = operation(spec);
  }
  return { openapi: "3.1.0", info, paths };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function docsHtml(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, { summary: string; tags: string[] }>>;
  const rows = Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) =>
        `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary)}</td><td>${escapeHtml(op.tags.join(", "))}</td></tr>`,
    ),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>API reference</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td{padding:.3rem .8rem;border-bottom:1px solid #ddd}.m{font-weight:bold}.get{color:#0a7}.post{color:#07c}.delete{color:#c33}.patch,.put{color:#a70}</style>
</head><body><h1>${escapeHtml(String((doc.info as { title: string }).title))}</h1>
<p>Machine-readable document: <a href="openapi.json">openapi.json</a></p>
<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Group</th></tr></thead><tbody>${rows.join("")}</tbody></table></body></html>`;
}

/** Who may read a documentation or ops route (`auth.openapi`, `auth.docs`, `auth.metrics`). */
export type Exposure = "public" | "authenticated" | "off";

/** Exposure of the two documentation routes. */
export interface DocsExposure {
  openapi: Exposure;
  docs: Exposure;
}

/**
 * Declares `/openapi.json` and `/docs` in the registry (so they are listed, and authenticated unless
 * public, like every route); `off` leaves a route out.
 */
export function registerOpenApiRoutes(
  api: Api,
  info: { title: string; version: string },
  exposure: DocsExposure = { openapi: "public", docs: "public" },
): void {
  let cached: Record<string, unknown> | undefined;
  const doc = () => {
    cached ??= buildOpenApi(api, info);
    return cached;
  };
  const tags = ["System"];
  if (exposure.openapi !== "off") {
    api.route(
      {
        method: "get",
        path: "/openapi.json",
        summary: "OpenAPI document",
        tags,
        public: exposure.openapi === "public",
      },
      (c) => c.json(doc()),
    );
  }
  if (exposure.docs !== "off") {
    api.route(
      {
        method: "get",
        path: "/docs",
        summary: "API reference",
        tags,
        responseType: "text/html",
        public: exposure.docs === "public",
      },
      (c) => c.html(docsHtml(doc())),
    );
  }
}
