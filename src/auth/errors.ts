/**
 * Failures raised by the user's auth module. An `HTTPException` of `@langchain/langgraph-sdk/auth`
 * (any object with `status` and `headers`, whatever copy of the SDK threw it) becomes an
 * `AuthRejection` that the HTTP layer answers with that status, message and headers, as the
 * official server does; anything else stays an unexpected error (logged 500, no stack leaked).
 */

/** A status the auth module asked for, with its message and headers. */
export class AuthRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AuthRejection";
  }
}

const isHttpExceptionLike = (
  error: unknown,
): error is { status: number; message?: string; headers?: unknown } =>
  typeof error === "object" &&
  error !== null &&
  "status" in error &&
  "headers" in error &&
  typeof (error as { status: unknown }).status === "number";

function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    new Headers((headers ?? {}) as HeadersInit).forEach((value, key) => {
      out[key] = value;
    });
  } catch {
    // unusable headers: drop them rather than fail the rejection
  }
  return out;
}

/** Converts what an auth callback threw: SDK HTTPExceptions become `AuthRejection`s. */
export function fromAuthError(error: unknown): unknown {
  if (error instanceof AuthRejection || !isHttpExceptionLike(error)) return error;
  // The official server answers an empty message with "Unauthorized" whatever the status.
  return new AuthRejection(
    error.status,
    error.message || "Unauthorized",
    headerRecord(error.headers),
  );
}
