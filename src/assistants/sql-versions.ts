/**
 * The version history of the SQL assistants adapter: listing an assistant's versions
 * (`assistant_versions`, newest first, metadata-filtered in the query) and making a stored version
 * the current one. Both see an assistant only through the caller's auth scope (`scopeMatches` on
 * `assistants.metadata`); an id that is not uuid-shaped is "not found", never a SQL error.
 *
 * `setLatestVersion` answers `"assistant_missing"` / `"version_missing"` (the service maps both
 * to 404) or the assistant as it now is. Unlike upstream, which copies config, metadata and name only,
 * the whole version becomes current.
 */

import type { Scope } from "../auth/scope.ts";
import type { Db } from "../storage/database.ts";
import { jsonbMatches } from "../storage/sql/filters.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeMatches } from "../storage/sql/scope.ts";
import type { SetLatestResult } from "./repository.ts";
import { isUuidShaped, json, toAssistant } from "./sql-rows.ts";
import type { AssistantVersion, VersionQuery } from "./types.ts";

/** The versions of an assistant in scope, newest first, paged by `query.limit`/`offset`. */
export async function listVersions(
  db: Db,
  assistantId: string,
  query: VersionQuery,
  scope?: Scope,
): Promise<AssistantVersion[]> {
  if (!isUuidShaped(assistantId)) return [];
  const rows = await db
    .selectFrom("assistant_versions")
    .selectAll()
    .where("assistant_id", "=", assistantId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("assistants")
          .select("assistants.assistant_id")
          .where("assistants.assistant_id", "=", assistantId)
          .where(scopeMatches("assistants.metadata", scope)),
      ),
    )
    .where((eb) => jsonbMatches(eb, "assistant_versions.metadata", query.metadata))
    .orderBy("version", "desc")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return rows.map((row) => {
    const { updatedAt: _, ...rest } = toAssistant({ ...row, updated_at: row.created_at });
    return rest;
  });
}

/** Makes stored `version` the assistant's current state, under a row lock on the assistant. */
export async function setLatestVersion(
  db: Db,
  assistantId: string,
  version: number,
  now: Date,
  scope?: Scope,
): Promise<SetLatestResult> {
  if (!isUuidShaped(assistantId)) return "assistant_missing";
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("assistants")
      .select("assistant_id")
      .where("assistant_id", "=", assistantId)
      .where(scopeMatches("metadata", scope))
      .forUpdate()
      .executeTakeFirst();
    if (!current) return "assistant_missing";
    const v = await trx
      .selectFrom("assistant_versions")
      .selectAll()
      .where("assistant_id", "=", assistantId)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!v) return "version_missing";
    // Unlike upstream (config, metadata and name only), the whole version becomes current.
    const row = await trx
      .updateTable("assistants")
      .set({
        graph_id: v.graph_id,
        name: v.name,
        description: v.description,
        config: jsonb(v.config ?? {}),
        context: json(v.context),
        metadata: jsonb(v.metadata ?? {}),
        version: v.version,
        updated_at: now,
      })
      .where("assistant_id", "=", assistantId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAssistant(row);
  });
}
