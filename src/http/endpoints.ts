/**
 * Per-graph custom endpoints (`graphs.<id>.endpoints` in the config): each one names an export of
 * the graph's module as its handler, gets request validation from an optional `<handler>Schema`
 * (body) / `<handler>QuerySchema` (query) export, is listed in `/openapi.json`, and can dispatch to
 * the agent through a loopback SDK `Client`. See ARCHITECTURE.md beside this file.
 */
import { Client } from "@langchain/langgraph-sdk";
import type { Context } from "hono";
import { z } from "zod";
import type { GraphEntry } from "../config/load.ts";
import type { EndpointSpec } from "../config/schema.ts";
import { importUserModule } from "../core/modules.ts";
import type { Api, RouteSpec } from "./api.ts";
import { loopbackFetch, loopbackUrl } from "./loopback.ts";

/** What an endpoint handler receives. */
export interface EndpointContext {
  /** The raw request (its body has already been read when the method carries one). */
  request: Request;
  /** The validated JSON body (POST/PUT/PATCH), else undefined. */
  body: unknown;
  /** The validated query (`<handler>QuerySchema`), else the raw query parameters. */
  query: unknown;
  /** Path parameters (`/items/:id`). */
  params: Record<string, string>;
  graphId: string;
  /** An SDK client that talks to this server in-process, with the caller's credentials. */
  client: Client;
}

/** An endpoint handler: returns a Response, a JSON value, or nothing (204). */
export type EndpointHandler = (ctx: EndpointContext) => unknown;

/** An endpoint resolved at boot. */
export interface LoadedEndpoint {
  graphId: string;
  spec: EndpointSpec;
  handler: EndpointHandler;
  body?: z.ZodType;
  query?: z.ZodType;
}

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const FORWARDED_HEADERS = ["authorization", "x-api-key"];

const isZod4 = (s: unknown): s is z.ZodType =>
  s != null && typeof s === "object" && "_zod" in s && typeof (s as any).safeParse === "function";

type StandardResult = {
  value?: unknown;
  issues?: readonly { message: string; path?: readonly unknown[] }[];
};

/** Adapts a zod v4 schema (any copy) or a Standard Schema (zod 3, valibot, arktype) to zod v4. */
export function asZod(schema: unknown, where: string): z.ZodType {
  if (isZod4(schema)) return schema;
  const std = (schema as { "~standard"?: { validate?: (v: unknown) => unknown } })?.["~standard"];
  if (typeof std?.validate !== "function") {
    throw new Error(`${where}: not a schema (expected zod or a Standard Schema)`);
  }
  const validate = std.validate;
  return z.unknown().transform((value, ctx) => {
    const result = validate(value) as StandardResult | Promise<unknown>;
    if (result instanceof Promise) {
      ctx.addIssue({ code: "custom", message: "asynchronous schemas are not supported" });
      return z.NEVER;
    }
    if (result.issues) {
      for (const issue of result.issues) {
        const path = (issue.path ?? []).map((p) =>
          typeof p === "object" && p != null ? (p as { key: PropertyKey }).key : p,
        ) as PropertyKey[];
        ctx.addIssue({ code: "custom", message: issue.message, path });
      }
      return z.NEVER;
    }
    return result.value;
  });
}

/** Imports each graph module's endpoint handlers (and schemas); fails fast on a bad declaration. */
export async function loadEndpoints(entries: GraphEntry[]): Promise<LoadedEndpoint[]> {
  const out: LoadedEndpoint[] = [];
  for (const entry of entries) {
    if (entry.endpoints.length === 0) continue;
    const mod = await importUserModule(entry.file);
    entry.endpoints.forEach((spec, i) => {
      const where = `graphs.${entry.graphId}.endpoints[${i}]`;
      const handler = mod[spec.handler];
      if (typeof handler !== "function") {
        throw new Error(`${where}: "${spec.handler}" is not a function exported by ${entry.file}`);
      }
      const bodySchema = mod[`${spec.handler}Schema`];
      const querySchema = mod[`${spec.handler}QuerySchema`];
      if (bodySchema != null && !METHODS_WITH_BODY.has(spec.method)) {
        throw new Error(`${where}: ${spec.method} has no body, drop ${spec.handler}Schema`);
      }
      out.push({
        graphId: entry.graphId,
        spec,
        handler: handler as EndpointHandler,
        body: bodySchema != null ? asZod(bodySchema, `${where} ${spec.handler}Schema`) : undefined,
        query:
          querySchema != null
            ? asZod(querySchema, `${where} ${spec.handler}QuerySchema`)
            : undefined,
      });
    });
  }
  return out;
}

/** An SDK client bound to the loopback, carrying the caller's credentials. */
export function loopbackClient(request: Request): Client {
  const defaultHeaders: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value != null) defaultHeaders[name] = value;
  }
  return new Client({
    apiUrl: loopbackUrl() ?? "http://localhost",
    defaultHeaders,
    callerOptions: { fetch: loopbackFetch, maxRetries: 0 },
  });
}

async function toResponse(c: Context, result: unknown): Promise<Response> {
  const value = await result;
  if (value instanceof Response) return value;
  if (value === undefined) return c.body(null, 204);
  return c.json(value as object);
}

/** A path with its parameter names erased: `/threads/:id` and `/threads/:thread_id` collide. */
const routeShape = (path: string) => path.replace(/:[^/]+/g, ":").replace(/\/$/, "");

/** Mounts the endpoints; refuses a method+path already taken by a built-in or another endpoint. */
export function registerEndpointRoutes(api: Api, endpoints: LoadedEndpoint[]): void {
  for (const ep of endpoints) {
    const method = ep.spec.method.toLowerCase() as RouteSpec["method"];
    const taken = api.routes.find(
      (r) => r.method === method && routeShape(r.path) === routeShape(ep.spec.path),
    );
    if (taken) {
      throw new Error(
        `graphs.${ep.graphId}.endpoints: ${ep.spec.method} ${ep.spec.path} is already a route ("${taken.summary}")`,
      );
    }
    const hasBody = METHODS_WITH_BODY.has(ep.spec.method);
    api.route(
      {
        method,
        path: ep.spec.path,
        summary: ep.spec.description ?? `${ep.spec.handler} (graph ${ep.graphId})`,
        tags: ["Custom endpoints", ep.graphId],
        body: hasBody ? (ep.body ?? z.unknown()) : undefined,
        query: ep.query,
        // The user's own path parameters: any string (no built-in id rules).
        params: z.record(z.string(), z.string()),
      },
      async function endpoint(c, input) {
        const query = ep.query ? input.query : c.req.query();
        return toResponse(
          c,
          ep.handler({
            request: c.req.raw,
            body: hasBody ? input.body : undefined,
            query,
            params: input.params,
            graphId: ep.graphId,
            client: loopbackClient(c.req.raw),
          }),
        );
      },
    );
  }
}
