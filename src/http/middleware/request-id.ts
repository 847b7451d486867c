/**
 * Request ids: the incoming `x-request-id` when sane, else a new one; echoed on the response
 * (after the handler, on the answered response: see `response-headers.ts`).
 */
import type { MiddlewareHandler } from "hono";
import { setResponseHeaders } from "../response-headers.ts";

/** The header carrying the request id both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

const SANE = /^[\w.:@/+=-]{1,128}$/;

/** Sets `c.var.requestId` and the response header. */
export function requestIdMiddleware(newId: () => string): MiddlewareHandler {
  return async function requestId(c, next) {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && SANE.test(incoming) ? incoming : newId();
    c.set("requestId", id);
    await next();
    setResponseHeaders(c, [[REQUEST_ID_HEADER, id]]);
  };
}
