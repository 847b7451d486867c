/**
 * Sentry error tracking for Open LangGraph (an example: `@sentry/node` is not a dependency of the
 * server; install it in your project with `npm install @sentry/node`).
 *
 * The server calls `onError(error, context)` for every unexpected error it answers with a 500
 * (domain errors such as 404/409 are not reported). Point the config at this file:
 *
 *   "telemetry": { "error_hook": "./sentry-hook.mjs:onError" }
 *
 * and set SENTRY_DSN in the environment (or in the config's `env`).
 */
import * as Sentry from "@sentry/node";

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  environment: process.env.SENTRY_ENVIRONMENT ?? "production",
  // Traces go to OpenTelemetry/Langfuse in Open LangGraph; keep Sentry to errors.
  tracesSampleRate: 0,
});

/**
 * @param {unknown} error the thrown value
 * @param {{ method: string, path: string, route: string, requestId?: string }} context
 */
export function onError(error, context) {
  Sentry.withScope((scope) => {
    scope.setTag("route", context.route);
    scope.setTag("method", context.method);
    if (context.requestId) scope.setTag("request_id", context.requestId);
    scope.setContext("request", { method: context.method, path: context.path });
    Sentry.captureException(error);
  });
}
