/**
 * Domain errors: typed codes that know nothing of HTTP. `src/http/errors.ts` maps each code to the
 * status and body the official server sends.
 */
export type ErrorCode =
  | "not_found"
  | "conflict"
  | "invalid_input"
  | "unprocessable"
  | "forbidden"
  | "unauthorized"
  | "not_implemented"
  | "payload_too_large"
  | "unsupported_media_type"
  | "range_not_satisfiable"
  | "unavailable";

/** A failure a client can act on; `message` is shown verbatim in the response body. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** Shorthand constructors, named after what went wrong. */
export const notFound = (message: string) => new DomainError("not_found", message);
export const conflict = (message: string) => new DomainError("conflict", message);
export const invalidInput = (message: string) => new DomainError("invalid_input", message);
export const unprocessable = (message: string) => new DomainError("unprocessable", message);
export const forbidden = (message = "Forbidden") => new DomainError("forbidden", message);

/** Exhaustiveness guard for closed unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}
