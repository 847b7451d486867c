/** The server roles (`olg serve --role`, `OLG_ROLE`), without the config schema; `load.ts` re-exports them. */

/**
 * What a `serve` process does: `api` serves HTTP and enqueues runs, `worker` executes runs and
 * crons (HTTP: `/ok`, `/ready`, `/metrics` only), `all` both (the default, and always in dev).
 */
export type ServerRole = "all" | "api" | "worker";

/** The accepted roles, for the CLI and error messages. */
export const SERVER_ROLES: readonly ServerRole[] = ["all", "api", "worker"];
