/**
 * The engine port: the one place where SQL that differs between database engines is decided.
 * Feature code (repositories, sweeps, the run queue) never asks which engine it runs on; it
 *  - writes engine-neutral expressions from `neutral.ts` (JSON parameters and field access,
 *    containment, now()/interval arithmetic, text search, greatest), which render as PostgreSQL
 *    SQL by default and are rewritten by the engine's Kysely plugin elsewhere, and
 *  - asks `engineOf(db)` (`index.ts`) for statement-level services (transaction-scoped locks) and
 *    for capabilities, and chooses a statement's shape by capability, never by engine name.
 * Design and the per-engine table: src/storage/ARCHITECTURE.md ("Engines").
 */
import type { Kysely, RawBuilder } from "kysely";
import type { BackendKind } from "../database.ts";
import type { NeutralOp } from "./neutral.ts";

/** What an engine can do; feature code branches on these, never on `kind`. */
export interface EngineCapabilities {
  /** `UPDATE … RETURNING` / `DELETE … RETURNING` (PostgreSQL, SQLite ≥ 3.35; not MariaDB). */
  returning: boolean;
  /** Data-modifying statements inside `WITH` (PostgreSQL only). */
  writableCte: boolean;
  /** Row locks (`FOR UPDATE`, `FOR SHARE`); without them the write transaction is exclusive. */
  rowLocks: boolean;
  /** `FOR UPDATE SKIP LOCKED` (PostgreSQL, MariaDB ≥ 10.6; SQLite has one writer and no row locks). */
  skipLocked: boolean;
  /** Cross-process LISTEN/NOTIFY (PostgreSQL); elsewhere wake-ups are in process or via Redis. */
  listenNotify: boolean;
  /** Several server processes may share the database (false: SQLite, one writer process). */
  multiProcess: boolean;
  /** Row-level security for tenancy (PostgreSQL only; elsewhere the application filter). */
  rowLevelSecurity: boolean;
  /** `UPDATE … FROM` / `DELETE … USING` joins (PostgreSQL; SQLite has UPDATE FROM but not USING). */
  updateFrom: boolean;
}

/** One forward-only schema migration (`../migrate.ts`). */
export interface Migration {
  version: number;
  name: string;
  /** Statements separated by `;` at a line end. */
  up: string;
}

/** An engine's own schema scripts (same versions and names as PostgreSQL's). */
export interface EngineMigrations {
  list: readonly Migration[];
  /** `CREATE TABLE IF NOT EXISTS olg_migrations (version, name, applied_at)` in this engine's SQL. */
  table: string;
}

/** One database engine behind the storage port. */
export interface SqlEngine {
  /** For logs, metrics and docs only: feature code branches on `capabilities`. */
  readonly kind: BackendKind;
  readonly capabilities: EngineCapabilities;
  /**
   * This engine's SQL for a neutral expression (`neutral.ts`). PostgreSQL returns the default
   * rendering; other engines' plugins call this while compiling each statement.
   */
  render(op: NeutralOp): RawBuilder<unknown>;
  /**
   * Takes a lock named by `key` held until the transaction `trx` ends (PostgreSQL:
   * `pg_advisory_xact_lock`; SQLite: a no-op, its write transaction is already exclusive).
   */
  lockInTransaction(trx: Kysely<any>, key: bigint, timeoutMs?: number): Promise<void>;
  /** The schema scripts, when not PostgreSQL's (`../migrations/`). */
  readonly migrations?: EngineMigrations;
}
