/**
 * The typed context variables of every request (Hono's `ContextVariableMap`, so `c.get(name)` has
 * its type with no cast): set by the app's middleware before any route runs. `auth` is declared by
 * `auth/authenticate.ts`, `tenant` by `http/tenancy.ts`, next to what sets them.
 */
import type { InputLimits } from "../core/limits.ts";
import type { StreamObserver } from "../metrics/observer.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The request id (`x-request-id`), set first by `requestIdMiddleware` (absent in an app built without it). */
    requestId?: string;
    /** The trace id of the server span, when tracing is on. */
    traceId?: string;
    /** Observes SSE responses (streams opened, events, durations). */
    streamObserver?: StreamObserver;
    /** Depth, number and metadata limits of JSON bodies (set by `createApp`). */
    inputLimits?: InputLimits;
    /** The JSON body limit in bytes (set by `createApp`). */
    bodyLimit?: number;
  }
}
