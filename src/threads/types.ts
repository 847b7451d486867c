/** Thread domain types. */
export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

/** A conversation: metadata plus the cached latest state of its checkpoints. */
export interface Thread {
  threadId: string;
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  status: ThreadStatus;
  values: unknown;
  interrupts: Record<string, unknown>;
  error: unknown;
  createdAt: Date;
  updatedAt: Date;
  stateUpdatedAt: Date;
  ttl: { strategy: string; minutes: number; expiresAt: Date | null } | null;
}
