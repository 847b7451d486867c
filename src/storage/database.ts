/**
 * Table types shared by every SQL backend (engine differences live in `engine/`), and the
 * handle the composition root passes to the storage adapters.
 */
import type { ColumnType, Generated, Kysely } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type JsonColumn<T = unknown> = ColumnType<T, string | T, string | T>;

export interface AssistantsTable {
  assistant_id: string;
  graph_id: string;
  name: string;
  description: string | null;
  config: JsonColumn<Record<string, unknown>>;
  context: JsonColumn<unknown>;
  metadata: JsonColumn<Record<string, unknown>>;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AssistantVersionsTable {
  assistant_id: string;
  version: number;
  graph_id: string;
  name: string;
  description: string | null;
  config: JsonColumn<Record<string, unknown>>;
  context: JsonColumn<unknown>;
  metadata: JsonColumn<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface ThreadsTable {
  thread_id: string;
  metadata: JsonColumn<Record<string, unknown>>;
  config: JsonColumn<Record<string, unknown>>;
  status: string;
  values: JsonColumn<unknown> | null;
  interrupts: JsonColumn<Record<string, unknown>>;
  error: JsonColumn<unknown> | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  state_updated_at: Timestamp;
  ttl_strategy: string | null;
  ttl_minutes: number | null;
  expires_at: Timestamp | null;
}

export interface RunsTable {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: string;
  metadata: JsonColumn<Record<string, unknown>>;
  kwargs: JsonColumn<Record<string, unknown>>;
  multitask_strategy: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  available_at: Timestamp;
  attempt: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  cancel_action: string | null;
  started_at: Timestamp | null;
  cancel_reason: Generated<string | null>;
  /** The owning organization (`default` without tenancy; migration 010). */
  org_id: Generated<string>;
}

export interface CronsTable {
  cron_id: string;
  assistant_id: string;
  thread_id: string | null;
  user_id: string | null;
  schedule: string;
  timezone: string | null;
  end_time: Timestamp | null;
  enabled: boolean;
  on_run_completed: string | null;
  payload: JsonColumn<Record<string, unknown>>;
  metadata: JsonColumn<Record<string, unknown>>;
  next_run_at: Timestamp | null;
  last_tick_at: Timestamp | null;
  /** The creating caller (custom auth), or null. */
  auth: JsonColumn<Record<string, unknown>> | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CheckpointsTable {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  /** The checkpoint without `channel_values` (those live in `checkpoint_blobs`). */
  checkpoint: JsonColumn<Record<string, unknown>>;
  metadata: JsonColumn<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface CheckpointBlobsTable {
  thread_id: string;
  checkpoint_ns: string;
  channel: string;
  version: string;
  type: string;
  blob: Uint8Array | null;
}

export interface CheckpointWritesTable {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  task_id: string;
  task_path: string;
  idx: number;
  channel: string;
  type: string | null;
  value: Uint8Array | null;
  /** Insertion order (pending writes are returned in it). */
  seq: Generated<string>;
}

export interface StoreItemsTable {
  /** The owning organization (`default` without tenancy; migration 010). */
  org_id: Generated<string>;
  prefix: string;
  key: string;
  value: JsonColumn<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp | null;
  ttl_minutes: number | null;
}

export interface WebhookDeadLettersTable {
  dead_letter_id: string;
  run_id: string;
  thread_id: string;
  assistant_id: string | null;
  url: string;
  payload: JsonColumn<Record<string, unknown>>;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
}

export interface RunEventLogsTable {
  run_id: string;
  next_seq: Generated<number>;
  first_seq: Generated<number>;
  consumed: Generated<number>;
  resumable: Generated<boolean>;
  last_token: string | null;
  completions: Generated<number>;
  completed_at: Timestamp | null;
  expires_at: Timestamp;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  event: string;
  /** The event's data as JSON text (text, not jsonb: any string a graph emits round-trips). */
  data: string;
}

export interface ArtifactsTable {
  artifact_id: string;
  thread_id: string | null;
  /** Namespace labels joined with "." (labels never hold a dot), or null. */
  namespace: string | null;
  run_id: string | null;
  name: string;
  content_type: string;
  /** bigint: drivers return it as a string. */
  size_bytes: ColumnType<string | number, number, number>;
  sha256: string | null;
  metadata: JsonColumn<Record<string, unknown>>;
  storage_key: string;
  status: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp | null;
}

export interface ArtifactRetentionTable {
  /** `thread:<uuid>` or `namespace:<a.b>`. */
  target: string;
  days: number;
  updated_at: Timestamp;
}

export interface OrganizationsTable {
  org_id: string;
  name: string;
  metadata: JsonColumn<Record<string, unknown>>;
  quotas: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  user_id: string;
  /** The identity an authenticator (custom auth, SSO) reports for this user. */
  identity: string;
  display_name: string | null;
  created_at: Timestamp;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  key_id: string;
  org_id: string;
  name: string;
  /** The key's first characters (`olg_xxxxxxxx`), to recognise it in listings. */
  prefix: string;
  /** sha256 of the whole key, hex (see src/tenancy/keys.ts for why sha256). */
  key_hash: string;
  role: string;
  /** `resource:action` scopes narrowing the role, or null for the role's permissions. */
  scopes: JsonColumn<string[]> | null;
  quotas: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  audit_id: Generated<string>;
  org_id: Generated<string>;
  at: Generated<Date>;
  actor_kind: string;
  actor_id: string;
  method: string;
  route: string;
  resource: string | null;
  resource_id: string | null;
  action: string;
  /** `committed` (written with its change) or `no_change` (src/tenancy/audit/driver.ts). */
  outcome: string;
  /** The HTTP status, for `no_change` records (a committed change's answer comes later). */
  status: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: Timestamp;
}

/** Every table we own. */
export interface Database {
  assistants: AssistantsTable;
  assistant_versions: AssistantVersionsTable;
  threads: ThreadsTable;
  runs: RunsTable;
  crons: CronsTable;
  checkpoints: CheckpointsTable;
  checkpoint_blobs: CheckpointBlobsTable;
  checkpoint_writes: CheckpointWritesTable;
  store_items: StoreItemsTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  run_event_logs: RunEventLogsTable;
  run_events: RunEventsTable;
  artifacts: ArtifactsTable;
  artifact_retention: ArtifactRetentionTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  olg_migrations: MigrationsTable;
}

/** The typed query builder. */
export type Db = Kysely<Database>;

/** Which engine sits behind a `Db`. */
export type BackendKind = "pglite" | "postgres" | "sqlite" | "mariadb" | "cockroachdb";

/** A notification listener; returns an unsubscribe function. */
export type Listen = (
  channel: string,
  onMessage: (payload: string) => void,
) => Promise<() => Promise<void>>;

/** An open database: the query builder plus engine-specific services. */
export interface StorageHandle {
  kind: BackendKind;
  db: Db;
  /** LISTEN on a channel (PGlite: in-process; PostgreSQL: a dedicated connection). */
  listen: Listen;
  /** NOTIFY a channel. */
  notify(channel: string, payload: string): Promise<void>;
  /** Connection-pool figures for metrics. */
  poolStats(): { size: number; inUse: number; waiting: number };
  /** The most connections the pool opens (PostgreSQL; undefined: one engine in process). */
  poolMax?: number;
  /** The LISTEN connection and connection losses, for metrics (PostgreSQL; PGlite: its worker). */
  connectionStats?(): { connected: boolean; reconnects: number; connectionErrors: number };
  /**
   * Engines without LISTEN/NOTIFY (MariaDB): how wake-ups travel (`redis` or `poll` of a table)
   * and the polls run and notifications delivered from other processes, for metrics.
   */
  wakeupStats?(): { mode: "redis" | "poll"; polls: number; delivered: number; errors: number };
  /**
   * CockroachDB and MariaDB: transactions run again after a conflict abort (40001, InnoDB
   * deadlock), and those that still failed (`transaction-retry.ts`).
   */
  retryStats?(): { retries: number; exhausted: number };
  /**
   * PGlite in a worker thread, and SQLite: opens another client of the same database for another
   * thread (the run executor's; `pglite/worker-sessions.ts`, `sqlite/port-host.ts`), and reports
   * database worker restarts (PGlite: after one the other thread needs a new port).
   */
  embedded?: {
    attach(): Promise<import("node:worker_threads").MessagePort>;
    onRestart(fn: () => void): void;
  };
  /** Whether the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
