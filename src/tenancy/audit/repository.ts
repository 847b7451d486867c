/**
 * Reading the audit log (admin API: pages and a JSON-lines export), the record of a request that
 * succeeded without writing, and the retention job, the only deleter (the table's trigger refuses
 * every other UPDATE/DELETE: src/storage/migrations/012_audit_append_only.ts). Every query names its
 * org (row-level security backs that up).
 */
import { sql } from "kysely";
import type { Db } from "../../storage/database.ts";
import { iso } from "../api-key-sql.ts";
import type { PendingAudit } from "./context.ts";

/** One record as the admin API shows it. */
export interface AuditRecord {
  audit_id: string;
  org_id: string;
  at: string;
  actor_kind: string;
  actor_id: string;
  method: string;
  route: string;
  resource: string | null;
  resource_id: string | null;
  action: string;
  outcome: string;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
}

/** Filters of a query (all optional, combined with AND). */
export interface AuditFilter {
  actor_id?: string;
  actor_kind?: string;
  resource?: string;
  resource_id?: string;
  action?: string;
  method?: string;
  route?: string;
  outcome?: string;
  /** Inclusive lower / exclusive upper bound on `at`. */
  since?: Date;
  until?: Date;
}

const EQ = [
  "actor_id",
  "actor_kind",
  "resource",
  "resource_id",
  "action",
  "method",
  "route",
  "outcome",
] as const;

function toRecord(row: Record<string, any>): AuditRecord {
  return { ...row, audit_id: String(row.audit_id), at: iso(row.at)! } as AuditRecord;
}

/** The audit_log table. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  #select(orgId: string, f: AuditFilter) {
    let q = this.db.selectFrom("audit_log").selectAll().where("org_id", "=", orgId);
    for (const k of EQ) if (f[k] !== undefined) q = q.where(k, "=", f[k]!);
    if (f.since) q = q.where("at", ">=", f.since);
    if (f.until) q = q.where("at", "<", f.until);
    return q;
  }

  /** Newest first, `limit` records older than the cursor `before` (an `audit_id`). */
  async page(
    orgId: string,
    f: AuditFilter,
    limit: number,
    before?: string,
  ): Promise<{ items: AuditRecord[]; next_cursor: string | null }> {
    let q = this.#select(orgId, f);
    if (before) q = q.where("audit_id", "<", before);
    const rows = await q
      .orderBy("audit_id", "desc")
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toRecord);
    return { items, next_cursor: rows.length > limit ? items[items.length - 1]!.audit_id : null };
  }

  /** Oldest first, every matching record, read `batch` at a time (the export). */
  async *all(orgId: string, f: AuditFilter, batch = 1000): AsyncGenerator<AuditRecord> {
    let after: string | undefined;
    for (;;) {
      let q = this.#select(orgId, f);
      if (after) q = q.where("audit_id", ">", after);
      const rows = await q.orderBy("audit_id", "asc").limit(batch).execute();
      for (const row of rows) yield toRecord(row);
      if (rows.length < batch) return;
      after = String(rows[rows.length - 1]!.audit_id);
    }
  }

  /** The record of a request that succeeded without writing (`no_change`, with its status). */
  async noChange(audit: PendingAudit, status: number): Promise<void> {
    audit.state = "written"; // before the insert, so the audit driver does not claim it
    await this.db
      .insertInto("audit_log")
      .values({ ...audit.entry, outcome: "no_change", status })
      .execute();
  }

  /** Deletes records older than `days` days (every org); returns how many. */
  async expire(days: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('olg.audit_retention', 'on', true)`.execute(trx);
      const r = await trx
        .deleteFrom("audit_log")
        .where("at", "<", sql<Date>`now() - make_interval(days => ${days})`)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }
}
