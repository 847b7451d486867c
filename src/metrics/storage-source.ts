/**
 * The database reads behind the cluster-wide gauges. Three small aggregate queries, indexed
 * (`runs_queue_idx`, `threads_status_idx`); they go through the query builder like any reader.
 */
import { sql } from "kysely";
import type { Db } from "../storage/database.ts";
import { epochMs, now } from "../storage/engine/neutral.ts";
import type { DbSnapshot, DbSnapshotSource } from "./db-gauges.ts";

const count = (rows: { status: string; n: unknown }[]): Record<string, number> =>
  Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));

/** A snapshot source reading `db`. */
export function storageSnapshotSource(db: Db): DbSnapshotSource {
  return async function readSnapshot(): Promise<DbSnapshot> {
    const queue = await db
      .selectFrom("runs")
      .select([
        sql<string>`count(*)`.as("n"),
        sql<number | null>`(${epochMs(now())} - ${epochMs(sql`min(available_at)`)}) / 1000`.as(
          "oldest",
        ),
      ])
      .where("status", "=", "pending")
      .where("available_at", "<=", now())
      .executeTakeFirst();
    const runs = await db
      .selectFrom("runs")
      .select(["status", sql<string>`count(*)`.as("n")])
      .where("status", "in", ["pending", "running"])
      .groupBy("status")
      .execute();
    const threads = await db
      .selectFrom("threads")
      .select(["status", sql<string>`count(*)`.as("n")])
      .groupBy("status")
      .execute();
    return {
      queueDepth: Number(queue?.n ?? 0),
      oldestWaitSeconds: Math.max(0, Number(queue?.oldest ?? 0)),
      runsByStatus: count(runs),
      threadsByStatus: count(threads),
    };
  };
}
