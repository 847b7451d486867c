/** Cron domain types (camelCase; the wire is snake_case, mapped in `src/http/`). */

/** What happens to the thread of a stateless cron's run once it ended. */
export type OnRunCompleted = "delete" | "keep";

/** Fields a cron search may sort by. */
export const CRON_SORT_FIELDS = [
  "cron_id",
  "assistant_id",
  "thread_id",
  "created_at",
  "updated_at",
  "next_run_date",
] as const;
/** A sort field. */
export type CronSortField = (typeof CRON_SORT_FIELDS)[number];

/** The caller a cron runs as (custom auth): the normalised user and its permissions. */
export interface CronAuth {
  user: { identity: string } & Record<string, unknown>;
  permissions: string[];
}

/** A scheduled run. `payload` is the run body in wire form (returned verbatim to clients). */
export interface Cron {
  cronId: string;
  assistantId: string;
  /** null for a stateless cron (a new thread per tick). */
  threadId: string | null;
  userId: string | null;
  schedule: string;
  timezone: string | null;
  endTime: Date | null;
  enabled: boolean;
  onRunCompleted: OnRunCompleted | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** The next tick to fire; null once the schedule passed `endTime`. */
  nextRunAt: Date | null;
  /** Who created it (custom auth); its runs execute as this caller. */
  auth: CronAuth | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A new cron, validated by the edge (the payload is a valid run body). */
export interface CronInput {
  assistantId: string;
  threadId: string | null;
  schedule: string;
  timezone?: string;
  endTime?: Date;
  enabled?: boolean;
  onRunCompleted?: OnRunCompleted;
  payload: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  userId?: string;
  auth?: CronAuth;
}

/** A partial update; `endTime: null` clears the end time, `payload` entries set to null are removed. */
export interface CronPatch {
  schedule?: string;
  timezone?: string;
  endTime?: Date | null;
  enabled?: boolean;
  onRunCompleted?: OnRunCompleted;
  payload?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** Filters of search and count. */
export interface CronFilter {
  assistantId?: string;
  threadId?: string;
  enabled?: boolean;
  metadata?: Record<string, unknown>;
}

/** A search: filters plus paging and order. */
export interface CronSearch extends CronFilter {
  limit: number;
  offset: number;
  sortBy: CronSortField;
  sortOrder: "asc" | "desc";
}

/** The stored form the repository writes on create. */
export interface CronRecord extends Omit<Cron, "createdAt" | "updatedAt"> {}
