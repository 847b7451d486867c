/**
 * Exit codes scripts can rely on (documented in docs/cli.md):
 * 0 success; 1 the operation failed (a test failed, a step it ran failed); 2 usage or
 * configuration error (bad flag, missing file, invalid config); 3 a service could not be reached
 * (server, database, Hub); 4 the server refused the credentials (401/403); 130 cancelled by the user.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  unauthorized: 4,
  cancelled: 130,
} as const;

/** A name from `EXIT`. */
export type ExitKind = keyof typeof EXIT;

/** An error the CLI reports as one line and turns into an exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly kind: ExitKind = "failed",
    /** Extra lines shown under the message (a hint, the command to run). */
    readonly hint?: string,
  ) {
    super(message);
  }
  get exitCode(): number {
    return EXIT[this.kind];
  }
}

/** Shorthand for a usage error (exit 2). */
export const usageError = (message: string, hint?: string) => new CliError(message, "usage", hint);
