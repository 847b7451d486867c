/** CORS as the official server configures it, plus our `Location` and pagination headers. */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

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
  if (!config) return cors({ origin: "*", exposeHeaders: expose });
  const regex = config.allow_origin_regex ? new RegExp(config.allow_origin_regex) : undefined;
  const origin = regex
    ? (o: string) => {
        regex.lastIndex = 0;
        return regex.test(o) ? o : undefined;
      }
    : (config.allow_origins ?? "*");
  return cors({
    origin: origin as any,
    exposeHeaders: expose,
    ...(config.max_age != null ? { maxAge: config.max_age } : {}),
    ...(config.allow_methods ? { allowMethods: config.allow_methods } : {}),
    ...(config.allow_headers ? { allowHeaders: config.allow_headers } : {}),
    ...(config.allow_credentials != null ? { credentials: config.allow_credentials } : {}),
  });
}
