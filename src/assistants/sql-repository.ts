/**
 * The SQL adapter of the assistants port (PGlite and PostgreSQL run the same queries). Metadata
 * filters (`jsonbMatches`) and auth scopes (`scopeMatches`) are applied inside the queries, never
 * in memory.
 */
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { Database, Db } from "../storage/database.ts";
import { textContains } from "../storage/engine/neutral.ts";
import { jsonbMatches } from "../storage/sql/filters.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeMatches } from "../storage/sql/scope.ts";
import { inUnitOfWork, type UnitOfWork } from "../storage/unit-of-work.ts";
import { ThreadRunRows } from "../threads/run-rows.ts";
import type { AssistantsRepository, InsertResult, SetLatestResult } from "./repository.ts";
import { canonical, isUuidShaped, json, toAssistant } from "./sql-rows.ts";
import { listVersions, setLatestVersion } from "./sql-versions.ts";
import type {
  Assistant,
  AssistantFilter,
  AssistantPage,
  AssistantPatch,
  AssistantSearch,
  AssistantVersion,
  NewAssistant,
  VersionQuery,
} from "./types.ts";

/** The alias of the total count carried by each row of a search page. */
const TOTAL = "olg_total";

type Eb = ExpressionBuilder<Database, "assistants">;

function filterWhere(eb: Eb, filter: AssistantFilter, scope: Scope) {
  const parts: Expression<SqlBool>[] = [scopeMatches("assistants.metadata", scope)];
  if (filter.graphId != null) parts.push(eb("assistants.graph_id", "=", filter.graphId));
  if (filter.name != null) {
    parts.push(textContains("assistants.name", filter.name, true));
  }
  if (filter.metadata != null) parts.push(jsonbMatches(eb, "assistants.metadata", filter.metadata));
  return eb.and(parts);
}

/**
 * What deleting an assistant asks of the owners of the runs and threads tables, inside the
 * delete's unit of work: the runs engine deletes the assistant's runs under their thread locks
 * (no thread is left `busy`); the threads owner deletes the threads that name it.
 */
export interface AssistantDeletePorts {
  runs: { deleteForAssistant(uow: UnitOfWork, assistantId: string): Promise<unknown> };
  threads?: ThreadRunRows;
}

/** Assistants on the shared SQL schema. */
export class SqlAssistantsRepository implements AssistantsRepository {
  readonly #threads: ThreadRunRows;

  constructor(
    private readonly db: Db,
    private readonly ports?: AssistantDeletePorts,
  ) {
    this.#threads = ports?.threads ?? new ThreadRunRows();
  }

  async insert(a: NewAssistant, now: Date, scope?: Scope): Promise<InsertResult | null> {
    if (!isUuidShaped(a.assistantId)) return null;
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto("assistants")
        .values({ ...this.#columns(a), version: 1, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column("assistant_id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) {
        await trx
          .insertInto("assistant_versions")
          .values({ ...this.#columns(a), version: 1, created_at: now })
          .execute();
        return { assistant: toAssistant(inserted), created: true };
      }
      const existing = await trx
        .selectFrom("assistants")
        .selectAll()
        .where("assistant_id", "=", a.assistantId)
        .where(scopeMatches("metadata", scope))
        .executeTakeFirst();
      return existing ? { assistant: toAssistant(existing), created: false } : null;
    });
  }

  async get(assistantId: string, scope?: Scope): Promise<Assistant | null> {
    if (!isUuidShaped(assistantId)) return null;
    const row = await this.db
      .selectFrom("assistants")
      .selectAll()
      .where("assistant_id", "=", assistantId)
      .where(scopeMatches("metadata", scope))
      .executeTakeFirst();
    return row ? toAssistant(row) : null;
  }

  async update(
    assistantId: string,
    patch: AssistantPatch,
    now: Date,
    scope?: Scope,
  ): Promise<Assistant | null> {
    if (!isUuidShaped(assistantId)) return null;
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom("assistants")
        .selectAll()
        .where("assistant_id", "=", assistantId)
        .where(scopeMatches("metadata", scope))
        .forUpdate()
        .executeTakeFirst();
      if (!current) return null;
      const { max } = await trx
        .selectFrom("assistant_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("assistant_id", "=", assistantId)
        .executeTakeFirstOrThrow();
      const cur = toAssistant(current);
      const next: NewAssistant = {
        assistantId,
        graphId: patch.graphId ?? cur.graphId,
        name: patch.name ?? cur.name,
        description: patch.description ?? cur.description,
        config: patch.config ?? cur.config,
        context: patch.context ?? cur.context,
        metadata: patch.metadata ? { ...cur.metadata, ...patch.metadata } : cur.metadata,
      };
      const version = Math.max(Number(max ?? 0), cur.version) + 1;
      return this.#writeVersion(trx, next, version, now);
    });
  }

  async delete(
    assistantId: string,
    options: { deleteThreads: boolean },
    scope?: Scope,
  ): Promise<boolean> {
    if (!isUuidShaped(assistantId)) return false;
    return inUnitOfWork(this.db, async (uow) => {
      const deleted = await uow.trx
        .deleteFrom("assistants")
        .where("assistant_id", "=", assistantId)
        .where(scopeMatches("metadata", scope))
        .returning("assistant_id")
        .executeTakeFirst();
      if (!deleted) return false;
      // As upstream: the assistant's runs go with it (versions cascade by foreign key).
      if (this.ports) await this.ports.runs.deleteForAssistant(uow, assistantId);
      else await uow.trx.deleteFrom("runs").where("assistant_id", "=", assistantId).execute();
      if (options.deleteThreads) await this.#threads.deleteOfAssistant(uow, assistantId);
      return true;
    });
  }

  /**
   * One statement for the page and its total: the count rides on each row as an uncorrelated
   * subquery (evaluated once, same snapshot as the page). Only an empty page past the first row
   * has no row to carry it and asks again; an empty first page means no match at all.
   */
  async search(query: AssistantSearch, scope?: Scope): Promise<AssistantPage> {
    const sortBy = query.sortBy ?? "created_at";
    const order = query.sortOrder ?? "desc";
    const rows = await this.db
      .selectFrom("assistants")
      .selectAll()
      .select((eb) =>
        eb
          .selectFrom("assistants")
          .select((sub) => sub.fn.countAll<string | number>().as("n"))
          .where((sub) => filterWhere(sub, query, scope))
          .as(TOTAL),
      )
      .where((eb) => filterWhere(eb, query, scope))
      .orderBy(`assistants.${sortBy}`, order)
      .orderBy("assistants.assistant_id", order)
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    const first = rows[0];
    const total = first
      ? Number(first[TOTAL])
      : query.offset > 0
        ? await this.count(query, scope)
        : 0;
    return { items: rows.map(toAssistant), total };
  }

  async count(filter: AssistantFilter, scope?: Scope): Promise<number> {
    const { n } = await this.db
      .selectFrom("assistants")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .where((eb) => filterWhere(eb, filter, scope))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  versions(assistantId: string, query: VersionQuery, scope?: Scope): Promise<AssistantVersion[]> {
    return listVersions(this.db, assistantId, query, scope);
  }

  setLatest(
    assistantId: string,
    version: number,
    now: Date,
    scope?: Scope,
  ): Promise<SetLatestResult> {
    return setLatestVersion(this.db, assistantId, version, now, scope);
  }

  async syncSystem(desired: NewAssistant, now: Date): Promise<Assistant> {
    const created = await this.insert(desired, now);
    if (!created) throw new Error(`Invalid system assistant id ${desired.assistantId}`);
    if (created.created) return created.assistant;
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("assistants")
        .selectAll()
        .where("assistant_id", "=", desired.assistantId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const cur = toAssistant(row);
      const same =
        cur.graphId === desired.graphId &&
        cur.name === desired.name &&
        cur.description === desired.description &&
        canonical(cur.config) === canonical(desired.config) &&
        canonical(cur.context) === canonical(desired.context);
      if (same) return cur;
      const { max } = await trx
        .selectFrom("assistant_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("assistant_id", "=", desired.assistantId)
        .executeTakeFirstOrThrow();
      const version = Math.max(Number(max ?? 0), cur.version) + 1;
      return this.#writeVersion(trx, { ...desired, metadata: cur.metadata }, version, now);
    });
  }

  async #writeVersion(trx: Db, next: NewAssistant, version: number, now: Date) {
    const row = await trx
      .updateTable("assistants")
      .set({ ...this.#columns(next), version, updated_at: now })
      .where("assistant_id", "=", next.assistantId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("assistant_versions")
      .values({ ...this.#columns(next), version, created_at: now })
      .execute();
    return toAssistant(row);
  }

  #columns(a: NewAssistant) {
    return {
      assistant_id: a.assistantId,
      graph_id: a.graphId,
      name: a.name,
      description: a.description,
      config: jsonb(a.config ?? {}),
      context: json(a.context),
      metadata: jsonb(a.metadata ?? {}),
    };
  }
}
