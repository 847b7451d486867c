/**
 * The worker pool's contract (`queue.ts`): why a run is stopped, the lease a worker holds, the
 * notification channels every replica listens on, and what the pool is built from.
 */
import type { Logger } from "../logging/logger.ts";
import type { RunLeases } from "./ports.ts";
import type { CancelAction, Run } from "./types.ts";

/**
 * Why a worker was asked to stop a run: a cancel action, shutdown (hand back), `lost` (another
 * worker holds it now) or `deleted` (the run went with its thread or assistant).
 */
export type StopReason = CancelAction | "shutdown" | "lost" | "deleted";

/** The lease a worker holds on a claimed run. */
export interface RunLease {
  readonly owner: string;
  readonly signal: AbortSignal;
  /** Why the run was stopped (undefined while it may go on). */
  reason(): StopReason | undefined;
  /** Stops the run (the first reason wins). */
  stop(reason: StopReason): void;
}

/** Notification channels. */
export const CHANNEL_WAKE = "olg_runs";
export const CHANNEL_CANCEL = "olg_runs_cancel";
/** The done signal: `finish` sends the run id after its COMMIT (run waiters listen). */
export const CHANNEL_DONE = "olg_runs_done";

/** What executing a run tells the pool: `next` when its thread still has a run in flight (a queued
 * run may be claimable now, on any replica); `undefined`: unknown, announce to all. */
export type ExecuteResult = { next: boolean } | undefined;

/** What the pool is built from. */
export interface RunQueueOptions {
  leases: RunLeases;
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /** Executes one claimed run to its end (never throws). */
  execute(run: Run, lease: RunLease): Promise<ExecuteResult>;
  owner: string;
  concurrency: number;
  leaseMs: number;
  sweepMs: number;
  /** Requeue every running run at start (embedded database: no other process can hold one). */
  recoverOrphansAtStart?: boolean;
  /** Whether this process executes runs (default true; false for `--role api`: enqueue only). */
  claims?: boolean;
  /** When it never claims: hands a created run to a sibling thread's pool (`handoff.ts`). */
  handoff?: (runId: string) => boolean;
  /**
   * Runs a claim of the queue's head (any run) where it sees every org's runs (tenancy: the
   * system org). Hand-ins and finishes happen inside one org's context, and a head claim there
   * would see that org's runs only: other orgs' older runs were overtaken, or left pending with a
   * slot free until the sweep. Default: as called.
   */
  acrossOrgs?: <T>(fn: () => T) => T;
  logger: Logger;
}
