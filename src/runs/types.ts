/** Run domain types: a run row is also the queue entry. */
export type RunStatus = "pending" | "running" | "error" | "success" | "timeout" | "interrupted";
export type MultitaskStrategy = "reject" | "rollback" | "interrupt" | "enqueue";
/** How a cancelled run ends: `interrupt` keeps it (status interrupted), `rollback` erases it. */
export type CancelAction = "interrupt" | "rollback";

/** Thread state written when a run ends. */
export interface FinishState {
  status: RunStatus | "deleted";
  values?: unknown;
  interrupts?: Record<string, unknown>;
  interrupted?: boolean;
  failed?: boolean;
}

/** What a cancel did to one run. */
export interface CancelledRun {
  runId: string;
  threadId: string;
  /** `ended`: a pending run ended now; `signalled`: a running run was asked to stop. */
  effect: "ended" | "deleted" | "signalled" | "none";
  action: CancelAction;
}
/** Whether a run may create its thread. */
export type IfNotExists = "reject" | "create";
/** Checkpoint persistence mode handed to the graph. */
export type Durability = "sync" | "async" | "exit";

/**
 * The stored run options. Kept in wire (snake_case) form because `kwargs` is returned verbatim
 * to clients, exactly as the official server does.
 */
export interface RunKwargs {
  input?: unknown;
  command?: { goto?: unknown; update?: unknown; resume?: unknown };
  config: Record<string, unknown> & {
    tags?: string[];
    recursion_limit?: number;
    configurable: Record<string, unknown>;
    metadata?: Record<string, unknown>;
  };
  context?: unknown;
  stream_mode: string[];
  interrupt_before?: "*" | string[];
  interrupt_after?: "*" | string[];
  webhook?: string;
  feedback_keys?: string[];
  temporary: boolean;
  subgraphs: boolean;
  resumable: boolean;
  durability?: Durability;
  /** Refuse a resume of an interrupt that is not pending (SDK `strictResume`). */
  strict_resume?: boolean;
  on_completion?: "delete" | "keep";
  /** Set on runs started through the thread-centric protocol: executed on the v3 event pipeline. */
  __protocol_stream_run?: boolean;
}

/** A run of an assistant on a thread. */
export interface Run {
  runId: string;
  threadId: string;
  assistantId: string;
  status: RunStatus;
  metadata: Record<string, unknown>;
  kwargs: RunKwargs;
  multitaskStrategy: MultitaskStrategy;
  createdAt: Date;
  updatedAt: Date;
  attempt: number;
  /** When a worker first started it (null while never claimed). */
  startedAt: Date | null;
  /** Why it was cancelled (`taken:<action>`), null when it was not cancelled with a reason. */
  cancelReason?: string | null;
  /** The owning organization, when the row was read whole (a claim): workers run in it. */
  orgId?: string;
}

/** Thread state cached on the thread row after a run. */
export interface ThreadSnapshot {
  values: unknown;
  interrupts: Record<string, unknown>;
  /** Whether the graph stopped with pending tasks (interrupt). */
  interrupted: boolean;
}

/** Filters of `GET /threads/:id/runs`. */
export interface RunListQuery {
  limit: number;
  offset: number;
  status?: RunStatus;
  metadata?: Record<string, unknown>;
  /** Only runs of this assistant. */
  assistantId?: string;
}

/** Which runs a bulk cancel targets. */
export interface CancelSelector {
  threadId?: string;
  runIds?: string[];
  status?: "pending" | "running" | "all";
}
