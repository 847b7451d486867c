/** Run domain types: a run row is also the queue entry. */
export type RunStatus = "pending" | "running" | "error" | "success" | "timeout" | "interrupted";
export type MultitaskStrategy = "reject" | "rollback" | "interrupt" | "enqueue";

/** A run of an assistant on a thread. `kwargs` holds the validated run options. */
export interface Run {
  runId: string;
  threadId: string;
  assistantId: string;
  status: RunStatus;
  metadata: Record<string, unknown>;
  kwargs: Record<string, unknown>;
  multitaskStrategy: MultitaskStrategy;
  createdAt: Date;
  updatedAt: Date;
  attempt: number;
}
