/**
 * Route registry: every built-in route is declared once with its zod schemas, which both validate
 * the request at the edge and generate the OpenAPI document (`/openapi.json`). The registry is also
 * what the security battery walks, so a route cannot ship without being listed.
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { checkInputLimits, DEFAULT_INPUT_LIMITS, type InputLimits } from "../core/limits.ts";
import type { RoutePermission } from "../tenancy/route-permissions.ts";
import { readBodyText } from "./body.ts";
import { validationBody } from "./errors.ts";

type Method = "get" | "post" | "put" | "patch" | "delete";

/** The names of the `:params` of a Hono path (`/threads/:thread_id/runs/:run_id`). */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The validated path parameters of a route declared with path `P`: each is present. */
export type PathParams<P extends string> = { [K in ParamNames<P>]: string };

/** A declared route. Paths use Hono syntax (`/threads/:thread_id`). */
export interface RouteSpec<
  B extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  P extends string = string,
> {
  method: Method;
  path: P;
  summary: string;
  tags: string[];
  body?: B;
  query?: Q;
  /** Path parameters; defaults to `defaultParams(path)` (ids are UUIDs, every value bounded). */
  params?: z.ZodType;
  /** Response schema, for the document only. */
  response?: z.ZodType;
  /** Response content type when not JSON (e.g. text/event-stream). */
  responseType?: string;
  /** Exempt from authentication (e.g. GET /info). */
  public?: boolean;
  /**
   * The permission a caller's role needs (tenancy on); default: derived from the path and method
   * (src/tenancy/route-permissions.ts), shown in `/openapi.json` as `x-olg-permission`.
   */
  permission?: RoutePermission;
  /**
   * The handler streams the raw request body itself (artifact uploads): exempt from the app's
   * JSON body limit, it must enforce its own. `body` must not be set.
   */
  streamingBody?: boolean;
}

/** Validated input handed to a handler; `params` are those of the path, checked by `params`. */
export interface RouteInput<B, Q, P extends Record<string, string> = Record<string, string>> {
  body: B;
  query: Q;
  params: P;
}

/** The input limits of the app handling `c` (set by `createApp`). */
export function inputLimitsOf(c: Context): InputLimits {
  return c.get("inputLimits") ?? DEFAULT_INPUT_LIMITS;
}

/**
 * Reads a request body as JSON whatever its content type (text/plain included, as upstream), streamed
 * within the body limit (`readBodyText`: 413 past it), and checks it against the app's input limits (depth, finite numbers, metadata maps): a violation
 * throws `InputLimitError` (400 naming the field).
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await readBodyText(c);
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HTTPException(400, { message: "Malformed JSON in request body" });
  }
  checkInputLimits(value, inputLimitsOf(c));
  return value;
}

/** Path parameters that are always UUIDs (as on LangGraph Platform). */
const UUID_PARAMS = new Set(["thread_id", "run_id", "cron_id", "artifact_id"]);

/**
 * The schema of a route's path parameters when it declares none: `thread_id`, `run_id`,
 * `cron_id`, `artifact_id` are UUIDs; any other (`assistant_id` is a UUID or a graph id) is 1-1024 characters.
 */
export function defaultParams(path: string): z.ZodType | undefined {
  const names = [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  if (!names.length) return undefined;
  return z.object(
    Object.fromEntries(
      names.map((n) => [n, UUID_PARAMS.has(n) ? z.guid() : z.string().min(1).max(1024)]),
    ),
  );
}

/** The query string as an object: a repeated key gives an array (parsed by Hono, no `URL`). */
function queryObject(c: Context): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, all] of Object.entries(c.req.queries())) {
    out[key] = all.length > 1 ? all : (all[0] ?? "");
  }
  return out;
}

/** The registry bound to a Hono app. */
export class Api {
  readonly routes: RouteSpec[] = [];
  constructor(private readonly app: Hono<any>) {}

  /** Declares a route and mounts its handler behind validation. */
  route<
    B extends z.ZodType = z.ZodUnknown,
    Q extends z.ZodType = z.ZodUnknown,
    P extends string = string,
  >(
    spec: RouteSpec<B, Q, P>,
    handler: (
      c: Context,
      input: RouteInput<z.output<B>, z.output<Q>, PathParams<P>>,
    ) => Response | Promise<Response>,
  ): void {
    this.routes.push(spec as unknown as RouteSpec);
    const paramsSchema = spec.params ?? defaultParams(spec.path);
    this.app.on(spec.method.toUpperCase(), spec.path, async function validated(c) {
      let params: Record<string, string> = {};
      if (paramsSchema) {
        const parsed = paramsSchema.safeParse(c.req.param());
        if (!parsed.success) return c.json(validationBody(parsed.error), 400);
        params = parsed.data as Record<string, string>;
      }
      let body: unknown;
      if (spec.body) {
        const parsed = spec.body.safeParse(await readJsonBody(c));
        if (!parsed.success) return c.json(validationBody(parsed.error), 400);
        body = parsed.data;
      }
      let query: unknown = {};
      if (spec.query) {
        const parsed = spec.query.safeParse(queryObject(c));
        if (!parsed.success) return c.json(validationBody(parsed.error), 400);
        query = parsed.data;
      }
      return handler(c, {
        body: body as z.output<B>,
        query: query as z.output<Q>,
        params: params as PathParams<P>,
      });
    });
  }
}

/** Coerces query-string booleans the way the official server does ("true", "1", "yes"). */
export const queryBool = z
  .union([z.boolean(), z.string()])
  .transform((v) => (typeof v === "boolean" ? v : ["true", "1", "yes"].includes(v.toLowerCase())));

/** Coerces a query-string integer. */
export const queryInt = z.coerce.number().int();
