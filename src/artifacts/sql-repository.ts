/**
 * Artifact rows and retention policies in SQL (PGlite and PostgreSQL run the same queries).
 * Scopes are applied inside the queries on `metadata`, as for threads. Listing reads only rows,
 * never the blob backend.
 */
import { type SqlBool, sql } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { ArtifactsTable, Db } from "../storage/database.ts";
import { jsonContains, tsPlusMs } from "../storage/engine/neutral.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeSql } from "../storage/sql/scope.ts";
import { joinNamespace, splitNamespace } from "./keys.ts";
import type { Artifact, ArtifactQuery, ArtifactStatus } from "./types.ts";

/** A row about to be inserted. */
export interface ArtifactRow {
  artifactId: string;
  threadId: string | null;
  namespace: string[] | null;
  runId: string | null;
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string | null;
  metadata: Record<string, unknown>;
  storageKey: string;
  status: ArtifactStatus;
  expiresAt: Date | null;
}

/** An artifact with its object key (the key never leaves the service). */
export type StoredArtifact = Artifact & { storageKey: string };

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Storage of artifact rows and retention policies. */
export class ArtifactsRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a row; returns it as stored. */
  async insert(row: ArtifactRow, now: Date): Promise<StoredArtifact> {
    const inserted = await this.db
      .insertInto("artifacts")
      .values({
        artifact_id: row.artifactId,
        thread_id: row.threadId,
        namespace: row.namespace ? joinNamespace(row.namespace) : null,
        run_id: row.runId,
        name: row.name,
        content_type: row.contentType,
        size_bytes: row.sizeBytes,
        sha256: row.sha256,
        metadata: jsonb(row.metadata),
        storage_key: row.storageKey,
        status: row.status,
        created_at: now,
        updated_at: now,
        expires_at: row.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toArtifact(inserted);
  }

  /** Marks a pending upload ready with its final size (and hash when known). */
  async complete(
    artifactId: string,
    facts: { sizeBytes: number; sha256: string | null },
    now: Date,
  ): Promise<StoredArtifact | null> {
    const row = await this.db
      .updateTable("artifacts")
      .set({ status: "ready", size_bytes: facts.sizeBytes, sha256: facts.sha256, updated_at: now })
      .where("artifact_id", "=", artifactId)
      .returningAll()
      .executeTakeFirst();
    return row ? toArtifact(row) : null;
  }

  /** One artifact (null when missing or outside `scope`). */
  async find(artifactId: string, scope?: Scope): Promise<StoredArtifact | null> {
    let q = this.db.selectFrom("artifacts").selectAll().where("artifact_id", "=", artifactId);
    if (scope) q = q.where(scopeSql(sql.ref("metadata"), scope));
    const row = await q.executeTakeFirst();
    return row ? toArtifact(row) : null;
  }

  /** A page of artifacts, newest first, within `scope`. */
  async list(query: ArtifactQuery, scope?: Scope): Promise<StoredArtifact[]> {
    let q = this.db.selectFrom("artifacts").selectAll();
    if (!query.includePending) q = q.where("status", "=", "ready");
    if (query.threadId) q = q.where("thread_id", "=", query.threadId);
    if (query.namespacePrefix?.length) {
      const prefix = joinNamespace(query.namespacePrefix);
      q = q.where((eb) =>
        eb.or([
          eb("namespace", "=", prefix),
          eb("namespace", "like", sql<string>`${`${escapeLike(prefix)}.%`}`),
        ]),
      );
    }
    if (query.metadata && Object.keys(query.metadata).length > 0)
      q = q.where(jsonContains("metadata", query.metadata));
    if (scope) q = q.where(scopeSql(sql.ref("metadata"), scope));
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("artifact_id", "desc")
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toArtifact);
  }

  /** Deletes a row; false when it was not there. */
  async delete(artifactId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom("artifacts")
      .where("artifact_id", "=", artifactId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /**
   * Up to `limit` artifacts retention or their thread has ended: expired by `now`, pending
   * uploads older than `pendingBefore`, or filed under a thread that no longer exists.
   */
  async due(now: Date, pendingBefore: Date, limit: number): Promise<StoredArtifact[]> {
    const rows = await this.db
      .selectFrom("artifacts")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb("expires_at", "<=", now),
          eb.and([eb("status", "=", "pending"), eb("created_at", "<", pendingBefore)]),
          eb.and([
            eb("thread_id", "is not", null),
            sql<SqlBool>`NOT EXISTS (SELECT 1 FROM threads t WHERE t.thread_id = artifacts.thread_id)`,
          ]),
        ]),
      )
      .limit(limit)
      .execute();
    return rows.map(toArtifact);
  }

  /** Sets (days) or clears (null) the retention of a target; recomputes `expires_at` of its rows. */
  async setRetention(target: string, days: number | null, now: Date): Promise<void> {
    if (days == null) {
      await this.db.deleteFrom("artifact_retention").where("target", "=", target).execute();
    } else {
      await this.db
        .insertInto("artifact_retention")
        .values({ target, days, updated_at: now })
        .onConflict((oc) => oc.column("target").doUpdateSet({ days, updated_at: now }))
        .execute();
    }
  }

  /** Every retention policy (`target` → days). */
  async retentionPolicies(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom("artifact_retention")
      .select(["target", "days"])
      .execute();
    return new Map(rows.map((r) => [r.target, Number(r.days)]));
  }

  /** Sets `expires_at = created_at + days` (or null) on the given rows' selection. */
  async applyExpiry(
    selection: { threadId: string } | { namespacePrefix: string[] } | { artifactIds: string[] },
    days: number | null,
  ): Promise<void> {
    const expiry = days == null ? null : tsPlusMs("created_at", Math.trunc(days) * 86_400_000);
    let q = this.db.updateTable("artifacts").set({ expires_at: expiry as never });
    if ("threadId" in selection) q = q.where("thread_id", "=", selection.threadId);
    else if ("artifactIds" in selection) {
      if (selection.artifactIds.length === 0) return;
      q = q.where("artifact_id", "in", selection.artifactIds);
    } else {
      const prefix = joinNamespace(selection.namespacePrefix);
      q = q.where((eb) =>
        eb.or([
          eb("namespace", "=", prefix),
          eb("namespace", "like", sql<string>`${`${escapeLike(prefix)}.%`}`),
        ]),
      );
    }
    await q.execute();
  }

  /** Ids and places of artifacts under a namespace prefix or thread (for expiry recomputation). */
  async placesUnder(
    selection: { threadId: string } | { namespacePrefix: string[] },
  ): Promise<{ artifactId: string; threadId: string | null; namespace: string[] | null }[]> {
    let q = this.db.selectFrom("artifacts").select(["artifact_id", "thread_id", "namespace"]);
    if ("threadId" in selection) q = q.where("thread_id", "=", selection.threadId);
    else {
      const prefix = joinNamespace(selection.namespacePrefix);
      q = q.where((eb) =>
        eb.or([
          eb("namespace", "=", prefix),
          eb("namespace", "like", sql<string>`${`${escapeLike(prefix)}.%`}`),
        ]),
      );
    }
    const rows = await q.execute();
    return rows.map((r) => ({
      artifactId: r.artifact_id,
      threadId: r.thread_id,
      namespace: splitNamespace(r.namespace),
    }));
  }

  /** The metadata of a thread (null when missing), for stamping graph-made artifacts. */
  async threadMetadata(threadId: string): Promise<Record<string, unknown> | null> {
    const row = await this.db
      .selectFrom("threads")
      .select("metadata")
      .where("thread_id", "=", threadId)
      .executeTakeFirst();
    if (!row) return null;
    const m = row.metadata as unknown;
    return (typeof m === "string" ? JSON.parse(m) : m) as Record<string, unknown>;
  }
}

type Selected = { [K in keyof ArtifactsTable]: unknown };

function toArtifact(row: Selected): StoredArtifact {
  const metadata = row.metadata;
  return {
    artifactId: row.artifact_id as string,
    threadId: (row.thread_id as string | null) ?? null,
    namespace: splitNamespace(row.namespace as string | null),
    runId: (row.run_id as string | null) ?? null,
    name: row.name as string,
    contentType: row.content_type as string,
    sizeBytes: Number(row.size_bytes),
    sha256: (row.sha256 as string | null) ?? null,
    metadata: (typeof metadata === "string" ? JSON.parse(metadata) : metadata) as Record<
      string,
      unknown
    >,
    storageKey: row.storage_key as string,
    status: row.status as ArtifactStatus,
    createdAt: new Date(row.created_at as Date),
    updatedAt: new Date(row.updated_at as Date),
    expiresAt: row.expires_at == null ? null : new Date(row.expires_at as Date),
  };
}
