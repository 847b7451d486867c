/**
 * The organization the current work belongs to, carried across awaits (AsyncLocalStorage). HTTP
 * requests enter it in the tenancy middleware; a run worker enters its run's org. The storage
 * session (src/storage/tenant-session.ts) reads it to set `app.org_id` on the connection each
 * statement uses, which row-level security and the `org_id` column defaults key on.
 *
 * Why AsyncLocalStorage here and nowhere else: RLS is the backstop for code that forgets the org,
 * so the org must reach every statement (checkpointer and store writes inside a graph included)
 * without being passed through them. Application code still receives the org explicitly.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The org setting that lets background work (queue claims, sweepers) see every org. */
export const SYSTEM_ORG = "*";

const current = new AsyncLocalStorage<string>();

/** Runs `fn` as work of `orgId`. */
export function withOrg<T>(orgId: string, fn: () => T): T {
  return current.run(orgId, fn);
}

/** The org of the current work; `SYSTEM_ORG` outside any (boot, workers between runs). */
export function currentOrg(): string {
  return current.getStore() ?? SYSTEM_ORG;
}
