/**
 * The organization the current work belongs to, carried across awaits (AsyncLocalStorage). HTTP
 * requests enter it in the tenancy middleware; a run worker enters its run's org. The storage
 * session (src/storage/tenant-session.ts) reads it to set `app.org_id` on the connection each
 * statement uses, which row-level security and the `org_id` column defaults key on.
 *
 * Why AsyncLocalStorage here and nowhere else: RLS is the backstop for code that forgets the org,
 * so the org must reach every statement (checkpointer and store writes inside a graph included)
 * without being passed through them. Application code still receives the org explicitly.
 *
 * One storage carries the org and the request's pending audit record (./audit/context.ts): on
 * Node 20 every AsyncLocalStorage in use copies its value into every promise the process makes,
 * so two of them cost a metadata read twice that copy (issue 19's cost goal; ARCHITECTURE.md).
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The org setting that lets background work (queue claims, sweepers) see every org. */
export const SYSTEM_ORG = "*";

/** What one piece of work carries: its org (unset: system) and the audit record it owes. */
export interface TenantFrame {
  readonly org?: string;
  /** A `PendingAudit` (./audit/context.ts; typed there, so this module imports nothing). */
  readonly audit?: object;
}

const current = new AsyncLocalStorage<TenantFrame>();

/** The frame of the current work, if any (./audit/context.ts reads its record from it). */
export function currentFrame(): TenantFrame | undefined {
  return current.getStore();
}

/** Runs `fn` in `frame` (the org and audit record together: one context switch, not two). */
export function withFrame<T>(frame: TenantFrame, fn: () => T): T {
  return current.run(frame, fn);
}

/** Runs `fn` as work of `orgId`, keeping the audit record owed, if any. */
export function withOrg<T>(orgId: string, fn: () => T): T {
  const audit = current.getStore()?.audit;
  return current.run(audit ? { org: orgId, audit } : { org: orgId }, fn);
}

/** The org of the current work; `SYSTEM_ORG` outside any (boot, workers between runs). */
export function currentOrg(): string {
  return current.getStore()?.org ?? SYSTEM_ORG;
}
