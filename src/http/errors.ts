/**
 * The one mapping from failures to responses. Bodies are what the official JS server sends:
 * domain and HTTP errors as `text/plain` messages, validation failures as the zod-validator JSON
 * shape, anything unexpected as a logged 500 that never leaks a stack.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { AuthRejection } from "../auth/errors.ts";
import { assertNever, DomainError, type ErrorCode } from "../core/errors.ts";
import { InputLimitError } from "../core/limits.ts";

/** The HTTP status of a domain error code. */
export function statusOf(code: ErrorCode): ContentfulStatusCode {
  switch (code) {
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "invalid_input":
      return 400;
    case "unprocessable":
      return 422;
    case "forbidden":
      return 403;
    case "unauthorized":
      return 401;
    case "not_implemented":
      return 501;
    case "payload_too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "range_not_satisfiable":
      return 416;
    case "unavailable":
      return 503;
    default:
      return assertNever(code);
  }
}

/** The 400 body the official server sends for a schema violation. */
export function validationBody(error: z.ZodError): unknown {
  return { success: false, error: { issues: error.issues, name: "ZodError" } };
}

/** Error logger injected by the composition root. */
export type ErrorLog = (error: unknown, c: Context) => void;

/** Builds the app's `onError` handler. */
export function errorHandler(log: ErrorLog) {
  return function handleError(error: Error, c: Context): Response {
    if (error instanceof DomainError) {
      const res = c.text(error.message, statusOf(error.code));
      for (const [k, v] of Object.entries(error.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    if (error instanceof AuthRejection) {
      // Status, message and headers exactly as the auth module's HTTPException gave them.
      return new Response(error.message, {
        status: error.status,
        headers: { "content-type": "text/plain;charset=UTF-8", ...error.headers },
      });
    }
    if (error instanceof HTTPException) return error.getResponse();
    // An HTTPException of another Hono copy (the user's http.app, an auth module).
    if (typeof (error as Partial<HTTPException>).getResponse === "function")
      return (error as HTTPException).getResponse();
    if (error instanceof z.ZodError) return c.json(validationBody(error), 400);
    if (error instanceof InputLimitError) return c.json(validationBody(error.toZodError()), 400);
    log(error, c);
    return c.text("Internal Server Error", 500);
  };
}
