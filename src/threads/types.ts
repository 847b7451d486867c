/** Thread domain types: the aggregate, its TTL, queries and the metadata scope. */
export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

/** Thread statuses, for validation at the edge. */
export const THREAD_STATUSES = ["idle", "busy", "interrupted", "error"] as const;

/** Free-form metadata. */
export type Metadata = Record<string, unknown>;

/** What happens when a thread's TTL runs out. */
export type ThreadTtlStrategy = "delete" | "keep_latest";

/** A thread's time-to-live as stored. */
export interface ThreadTtl {
  strategy: ThreadTtlStrategy;
  minutes: number;
  expiresAt: Date | null;
}

/** A TTL as requested by a client: minutes from now. */
export interface ThreadTtlInput {
  strategy: ThreadTtlStrategy;
  minutes: number;
}

/** A conversation: metadata plus the cached latest state of its checkpoints. */
export interface Thread {
  threadId: string;
  metadata: Metadata;
  config: Record<string, unknown>;
  status: ThreadStatus;
  /** Plain-JSON values of the latest checkpoint; `null` before the first checkpoint. */
  values: unknown;
  interrupts: Record<string, unknown>;
  error: unknown;
  createdAt: Date;
  updatedAt: Date;
  stateUpdatedAt: Date;
  ttl: ThreadTtl | null;
}

/**
 * A metadata filter that limits which threads a caller may see (auth). Rows outside the scope
 * behave as if they did not exist. `undefined` means unrestricted.
 */

/** A thread to insert. */
export interface NewThread {
  threadId: string;
  metadata: Metadata;
  config?: Record<string, unknown>;
  ttl?: ThreadTtlInput | null;
  /** Cached state, when the thread is born with checkpoints (copy, supersteps). */
  state?: ThreadStateCache;
}

/** The cached view of a thread's latest checkpoint, kept on the thread row. */
export interface ThreadStateCache {
  values: unknown;
  interrupts: Record<string, unknown>;
  status: ThreadStatus;
}

/** Filters shared by search and count. */
export interface ThreadFilter {
  ids?: string[];
  /** JSONB containment (with `$eq` / `$contains` operators) on metadata. */
  metadata?: Metadata;
  /** JSONB containment on the cached values. */
  values?: Record<string, unknown>;
  status?: ThreadStatus;
}

/** Sortable columns. */
export const THREAD_SORT_FIELDS = [
  "thread_id",
  "status",
  "created_at",
  "updated_at",
  "state_updated_at",
] as const;

/** One sortable column. */
export type ThreadSortBy = (typeof THREAD_SORT_FIELDS)[number];

/** Search filters, sorting and paging. */
export interface ThreadSearch extends ThreadFilter {
  limit: number;
  offset: number;
  sortBy: ThreadSortBy;
  sortOrder: "asc" | "desc";
}

/** A page of threads plus the overall count of matches. */
export interface ThreadPage {
  threads: Thread[];
  total: number;
}

/** What a PATCH may change. */
export interface ThreadPatch {
  metadata?: Metadata;
  ttl?: ThreadTtlInput | null;
}

/** How `prune` treats each thread. */
export type PruneStrategy = "delete" | "keep_latest";
