/**
 * The audit record a mutating request owes, carried across awaits (the tenancy frame's
 * AsyncLocalStorage, ../context.ts, shared with the org) from the
 * tenancy gate (src/http/tenancy.ts) to the storage driver (./driver.ts), which writes it inside
 * the transaction of the request's first write. State: `pending` (nothing written yet) ->
 * `claimed` (a transaction holding a write will insert it before COMMIT) -> `written` (that
 * transaction committed). A rolled-back claim returns to `pending`, so the next write carries it.
 */
import { currentFrame, withFrame } from "../context.ts";

/** What the record says (the `audit_log` columns the request knows). */
export interface AuditEntry {
  org_id: string;
  actor_kind: "key" | "user";
  actor_id: string;
  method: string;
  /** The route pattern (`/threads/:thread_id/runs`). */
  route: string;
  resource: string | null;
  resource_id: string | null;
  /** `create`, `update`, `delete` or the route's last path word (`cancel`, `copy`…). */
  action: string;
  ip: string | null;
  user_agent: string | null;
}

/** One request's record and where it stands. */
export class PendingAudit {
  state: "pending" | "claimed" | "written" = "pending";
  readonly #onCreated: (() => void)[] = [];
  /** Whether a row of the resource's table was inserted and committed. */
  created = false;
  constructor(
    readonly entry: AuditEntry,
    /** The column holding a new row's id (`thread_id`) when the path names none. */
    readonly idColumn: string | null,
  ) {}

  /** Takes the record for one transaction; false when another holds or wrote it. */
  claim(): boolean {
    if (this.state !== "pending") return false;
    this.state = "claimed";
    return true;
  }

  /** The claiming transaction committed (true) or rolled back (false). */
  settle(committed: boolean): void {
    if (this.state === "claimed") this.state = committed ? "written" : "pending";
  }

  /** A row of the resource's table (a new run) committed: wake `onCreated` callers. */
  markCreated(): void {
    this.created = true;
    for (const fn of this.#onCreated.splice(0)) fn();
  }

  /** Calls `fn` once a row of the resource's table committed (the run quota's lock waits for it). */
  onCreated(fn: () => void): void {
    if (this.created) fn();
    else this.#onCreated.push(fn);
  }
}

/** Runs `fn` owing `audit`, in the current org. */
export function withAudit<T>(audit: PendingAudit, fn: () => T): T {
  const org = currentFrame()?.org;
  return withFrame(org === undefined ? { audit } : { org, audit }, fn);
}

/** Runs `fn` in `orgId` owing `audit` (the tenancy gate's one context switch per request). */
export function withOrgAudit<T>(orgId: string, audit: PendingAudit, fn: () => T): T {
  return withFrame({ org: orgId, audit }, fn);
}

/** The record of the current request (owed, claimed or written), if any. */
export function pendingAudit(): PendingAudit | undefined {
  return currentFrame()?.audit as PendingAudit | undefined;
}
