/**
 * The Hono application: middleware in the official server's order (CORS → request log → auth →
 * test-only routes → the user's `http.app` → built-in routes), one error mapping, the route
 * registry behind `/openapi.json`.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { InputLimits } from "../core/limits.ts";
import type { Logger } from "../logging/logger.ts";
import { Api, type RouteSpec } from "./api.ts";
import { routeMatcher } from "./authz.ts";
import { drainUnreadBody } from "./body.ts";
import "./context.ts";
import { type CorsConfig, corsMiddleware } from "./cors.ts";
import { type ErrorLog, errorHandler } from "./errors.ts";
import { dotSegmentGuard } from "./middleware/path-guard.ts";
import { type DocsExposure, registerOpenApiRoutes } from "./openapi.ts";

/** Route groups a feature contributes; registered in this order. */
export type RouteGroup = (api: Api) => void;

/** Everything the HTTP layer is built from. */
export interface AppOptions {
  logger: Logger;
  cors: CorsConfig | undefined;
  bodyLimit: number;
  /** Depth, number and metadata limits of JSON bodies (defaults: `DEFAULT_INPUT_LIMITS`). */
  inputLimits?: InputLimits;
  /** The app to build on (default: a new one); given when the loopback or WebSockets bind to it first. */
  app?: Hono;
  /**
   * Middleware applied before every built-in route, built from the app's route registry (which is
   * complete by the first request): authentication skips the routes declared `public`.
   */
  middleware?: ((routes: readonly RouteSpec[]) => MiddlewareHandler | undefined)[];
  /** Middleware that must see every request, CORS preflights and 413s included (request id, logs, metrics, traces). */
  outer?: MiddlewareHandler[];
  /** Observers of unexpected errors (e.g. Sentry), called after the error is logged. */
  errorObservers?: ErrorLog[];
  /** Routes that must be mounted before the user's app (e.g. `/internal/truncate`). */
  early?: RouteGroup[];
  /** The user's Hono app from `http.app`, mounted before built-in routes. */
  userApp?: Hono<any>;
  /** Built-in route groups. */
  groups: RouteGroup[];
  /** Static files mounted on the app after the API (not API routes: not in `/openapi.json`). */
  statics?: ((app: Hono<any>) => void)[];
  title: string;
  version: string;
  /** Who may read `/openapi.json` and `/docs` (default: public). */
  docs?: DocsExposure;
}

/** Builds the app and its route registry. */
export function createApp(options: AppOptions): { app: Hono; api: Api } {
  const app = options.app ?? new Hono();
  const api = new Api(app);
  app.onError(
    errorHandler((error, c) => {
      options.logger.error({ err: error, path: c.req.path }, "unhandled error");
      for (const observe of options.errorObservers ?? []) {
        try {
          observe(error, c);
        } catch (hookError) {
          options.logger.warn({ err: hookError }, "error observer failed");
        }
      }
    }),
  );
  app.notFound((c) => c.text("404 Not Found", 404));
  for (const mw of options.outer ?? []) app.use(mw);
  const limits = options.inputLimits;
  app.use(async function inputLimits(c, next) {
    if (limits) c.set("inputLimits", limits);
    c.set("bodyLimit", options.bodyLimit);
    await next();
  });
  app.use(drainUnreadBody());
  app.use(dotSegmentGuard());
  app.use(corsMiddleware(options.cors));
  const limitBody = bodyLimit({
    maxSize: options.bodyLimit,
    // The body is left unread: the connection closes after the answer, so no client reuses
    // a socket the server is about to drop.
    onError: (c) => c.text("Payload Too Large", 413, { Connection: "close" }),
  });
  // Streaming uploads (artifacts) enforce their own limit while they stream. A request without a
  // body (no Content-Length, no Transfer-Encoding: every GET in practice) skips the check, which
  // would otherwise build the full `Request` to look at its body stream.
  const streaming = routeMatcher(api.routes, (r) => r.streamingBody === true);
  app.use(function jsonBodyLimit(c, next) {
    const length = c.req.header("content-length");
    if (length === undefined || length === "0") {
      if (c.req.header("transfer-encoding") === undefined) return next();
    }
    return streaming(c.req.method, c.req.path) ? next() : limitBody(c, next);
  });
  for (const build of options.middleware ?? []) {
    const mw = build(api.routes);
    if (mw) app.use(mw);
  }
  for (const group of options.early ?? []) group(api);
  if (options.userApp) app.route("/", options.userApp);
  for (const group of options.groups) group(api);
  for (const mount of options.statics ?? []) mount(app);
  registerOpenApiRoutes(api, { title: options.title, version: options.version }, options.docs);
  return { app, api };
}
