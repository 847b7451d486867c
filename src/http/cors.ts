/**
 * CORS as the official server configures it, plus our `Location` and pagination headers. Preflights
 * (`OPTIONS`) go to Hono's `cors`; on every other request the same headers are set on the answered
 * response after the handler (Hono's middleware sets them on `c.res` before it, which makes Hono
 * rebuild the handler's response to merge them: a full `Response` per request).
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { setResponseHeaders } from "./response-headers.ts";

/** The config file's `http.cors`. */
export interface CorsConfig {
  allow_origins?: string[];
  allow_methods?: string[];
  allow_headers?: string[];
  allow_credentials?: boolean;
  allow_origin_regex?: string;
  expose_headers?: string[];
  max_age?: number;
}

/** Headers browsers must be able to read for the SDKs to work. */
export const ALWAYS_EXPOSED = [
  "content-location",
  "location",
  "x-pagination-total",
  "x-pagination-next",
];

/** Builds the CORS middleware. */
export function corsMiddleware(config: CorsConfig | undefined): MiddlewareHandler {
  const expose = [
    ...new Set([...(config?.expose_headers ?? []).map((h) => h.toLowerCase()), ...ALWAYS_EXPOSED]),
  ];
  const regex = config?.allow_origin_regex ? new RegExp(config.allow_origin_regex) : undefined;
  const allowed = config?.allow_origins ?? "*";
  const origin = regex
    ? (o: string) => {
        regex.lastIndex = 0;
        return regex.test(o) ? o : undefined;
      }
    : allowed;
  const preflight = cors({
    origin: origin as any,
    exposeHeaders: expose,
    ...(config?.max_age != null ? { maxAge: config.max_age } : {}),
    ...(config?.allow_methods ? { allowMethods: config.allow_methods } : {}),
    ...(config?.allow_headers ? { allowHeaders: config.allow_headers } : {}),
    ...(config?.allow_credentials != null ? { credentials: config.allow_credentials } : {}),
  });
  // The same answer as Hono's `cors` for a request's Origin (see its `findAllowOrigin`).
  const allowOrigin = (requestOrigin: string): string | null | undefined =>
    typeof origin === "function"
      ? origin(requestOrigin)
      : origin === "*"
        ? "*"
        : typeof origin === "string"
          ? origin === requestOrigin
            ? requestOrigin
            : null
          : origin.includes(requestOrigin)
            ? requestOrigin
            : null;
  const exposeValue = expose.join(",");
  const credentials = config?.allow_credentials === true;
  const varies = origin !== "*";
  const VARY = new Set(["vary"]);
  return async function corsHeaders(c, next) {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    const allow = allowOrigin(c.req.header("origin") || "");
    await next();
    const headers: [string, string][] = [];
    if (allow) headers.push(["access-control-allow-origin", allow]);
    if (credentials) headers.push(["access-control-allow-credentials", "true"]);
    headers.push(["access-control-expose-headers", exposeValue]);
    if (varies) headers.push(["vary", "Origin"]);
    setResponseHeaders(c, headers, VARY);
  };
}
