/**
 * The statements by which the tenant session (`tenant-session.ts`) gives a connection its org
 * (`app.org_id`) and role, shared with the embedded database worker (`pglite/worker-sessions.ts`):
 * PGlite has one session for all its clients (the HTTP thread and the run executor's thread), so
 * the worker remembers each client's last such statement and replays it whenever the session
 * passes to that client, and no client's statements ever run under another client's org.
 */

/** `$1` role, `$2` org. */
export const SET_ROLE_AND_ORG =
  "SELECT set_config('role', $1, false), set_config('app.org_id', $2, false)";
/** `$1` org. */
export const SET_ORG = "SELECT set_config('app.org_id', $1, false)";
/** Back to the server user's own role and no org (a client that never set either). */
export const RESET_ROLE_AND_ORG =
  "SELECT set_config('role', 'none', false), set_config('app.org_id', '', false)";

/** Whether `sql` is one of the statements above that set a session's org (and role). */
export function isSessionSetting(sql: string): boolean {
  return sql === SET_ROLE_AND_ORG || sql === SET_ORG;
}
