/**
 * The store's read queries: one item, a filtered (optionally ranked) search under a namespace
 * prefix, the distinct namespaces. Expired rows are invisible everywhere, before any sweep.
 */
import { type Kysely, type RawBuilder, type SqlBool, sql } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { Database } from "../storage/database.ts";
import { familyOf, isPostgresFamily, type SqlFamily } from "../storage/sql/family.ts";
import { fromJson } from "../storage/sql/json.ts";
import { scopeSql } from "../storage/sql/scope.ts";
import { orgScope } from "../storage/sql/tenant.ts";
import { itemDoc, nowSql, prefixMatch } from "./family-sql.ts";
import { storeFilter } from "./filters.ts";
import { decodeNamespace, encodeNamespace, escapeLike } from "./namespace.ts";
import { rankInProcess, selectNamespacesPortable } from "./portable.ts";
import type { StoreSearchItem } from "./types.ts";
import type { VectorTable } from "./vectors.ts";

type Db = Kysely<Database>;

/** A stored row as read. */
export interface ItemRow {
  prefix: string;
  key: string;
  value: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  ttl_minutes: number | null;
  score?: number | null;
}

const parseValue = (v: unknown): Record<string, unknown> => fromJson<Record<string, unknown>>(v);

/** The domain item of a row (`score` only when ranked). */
export function toItem(row: ItemRow): StoreSearchItem {
  const item: StoreSearchItem = {
    namespace: decodeNamespace(row.prefix),
    key: row.key,
    value: parseValue(row.value),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
  if (typeof row.score === "number") item.score = row.score;
  return item;
}

/** Condition: the row is not expired. */
export const alive = (family: SqlFamily, alias = "store_items"): RawBuilder<SqlBool> =>
  sql<SqlBool>`(${sql.ref(`${alias}.expires_at`)} IS NULL OR ${sql.ref(`${alias}.expires_at`)} > ${nowSql(family)})`;

/** Condition: the row's namespace starts with `prefix`, label by label. */
export function underPrefix(
  family: SqlFamily,
  prefix: string[],
  alias = "store_items",
): RawBuilder<SqlBool> {
  if (prefix.length === 0) return sql<SqlBool>`1 = 1`;
  const p = encodeNamespace(prefix);
  if (!isPostgresFamily(family)) return prefixMatch(family, `${alias}.prefix`, p);
  const col = sql.ref(`${alias}.prefix`);
  return sql<SqlBool>`(${col} = ${p} OR ${col} LIKE ${`${escapeLike(p)}.%`})`;
}

/** The document auth scopes see for an item: its value with `namespace` and `key` on top. */
export const itemScopeDoc = (family: SqlFamily, alias = "store_items") => itemDoc(family, alias);

/** Reads one live item (only when it matches `scope`). */
export async function selectItem(
  db: Db,
  namespace: string[],
  key: string,
  scope?: Scope,
): Promise<ItemRow | null> {
  const row = await db
    .selectFrom("store_items")
    .select(["prefix", "key", "value", "created_at", "updated_at", "ttl_minutes"])
    .where("prefix", "=", encodeNamespace(namespace))
    .where("key", "=", key)
    .where(alive(familyOf(db)))
    .where(scopeSql(itemScopeDoc(familyOf(db)), scope))
    .executeTakeFirst();
  return (row as ItemRow | undefined) ?? null;
}

/** Whether a live item exists and whether it matches `scope` (its value is not read out). */
export async function selectItemScope(
  db: Db,
  namespace: string[],
  key: string,
  scope: Scope,
): Promise<"missing" | "in_scope" | "out_of_scope"> {
  const row = await db
    .selectFrom("store_items")
    .select(scopeSql(itemScopeDoc(familyOf(db)), scope).as("in_scope"))
    .where("prefix", "=", encodeNamespace(namespace))
    .where("key", "=", key)
    .where(alive(familyOf(db)))
    .executeTakeFirst();
  if (!row) return "missing";
  return row.in_scope ? "in_scope" : "out_of_scope";
}

/** What a search asks for. */
export interface SearchQuery {
  namespacePrefix: string[];
  filter?: Record<string, unknown>;
  limit: number;
  offset: number;
  /** The query embedding; ranks by best field similarity, unembedded items last. */
  queryVector?: number[];
  /** Auth scope over `{...value, namespace, key}`. */
  scope?: Scope;
}

/** Runs a search; without a query vector, items come in creation order. */
export async function selectItems(
  db: Db,
  q: SearchQuery,
  vectors: VectorTable | null,
): Promise<ItemRow[]> {
  const f = familyOf(db);
  const where = sql<SqlBool>`${orgScope("s")} AND ${underPrefix(f, q.namespacePrefix, "s")} AND ${alive(f, "s")} AND ${storeFilter("s.value", q.filter, f)} AND ${scopeSql(itemScopeDoc(f, "s"), q.scope)}`;
  const columns = sql.join(
    ["prefix", "key", "value", "created_at", "updated_at", "ttl_minutes"].map((c) =>
      sql.ref(`s.${c}`),
    ),
  );
  const order = sql`s.created_at, s.prefix, ${sql.ref("s.key")}`;
  if (q.queryVector && vectors?.kind === "json") {
    return rankInProcess(db, where, q.queryVector, q.limit, q.offset);
  }
  if (q.queryVector && vectors) {
    const result = await sql<ItemRow>`
      SELECT ${columns}, (SELECT max(${vectors.similarity(q.queryVector)}) FROM store_vectors v
        WHERE v.org_id = s.org_id AND v.prefix = s.prefix AND v.key = s.key) AS score
      FROM store_items s WHERE ${where}
      ORDER BY score DESC NULLS LAST, ${order}
      LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db);
    return result.rows;
  }
  const result = await sql<ItemRow>`
    SELECT ${columns} FROM store_items s WHERE ${where}
    ORDER BY ${order}
    LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db);
  return result.rows;
}

/** A namespace match condition; "*" matches any one label. */
export interface NamespaceCondition {
  matchType: "prefix" | "suffix";
  path: string[];
}

function matches(condition: NamespaceCondition): RawBuilder<SqlBool> {
  const n = condition.path.length;
  const labels = sql`string_to_array(prefix, '.')`;
  const parts: RawBuilder<SqlBool>[] = [sql<SqlBool>`cardinality(${labels}) >= ${n}`];
  condition.path.forEach((label, i) => {
    if (label === "*") return;
    const index =
      condition.matchType === "prefix" ? sql`${i + 1}` : sql`cardinality(${labels}) - ${n - 1 - i}`;
    parts.push(sql<SqlBool>`(${labels})[${index}] = ${label}`);
  });
  return sql<SqlBool>`(${sql.join(parts, sql` AND `)})`;
}

/** Distinct namespaces of live items, truncated to `maxDepth`, sorted, paginated. */
export async function selectNamespaces(
  db: Db,
  conditions: NamespaceCondition[],
  maxDepth: number | undefined,
  limit: number,
  offset: number,
  scope?: Scope,
): Promise<string[][]> {
  const f = familyOf(db);
  if (!isPostgresFamily(f)) {
    const alive_ = sql<SqlBool>`${alive(f)} AND ${orgScope()}`;
    return selectNamespacesPortable(db, alive_, conditions, maxDepth, limit, offset, scope);
  }
  const ns =
    maxDepth === undefined
      ? sql`prefix`
      : sql`array_to_string((string_to_array(prefix, '.'))[1:${Math.max(0, Math.floor(maxDepth))}], '.')`;
  // The scope sees the namespace as listed (after max_depth), as the official server filters it.
  const scoped = scopeSql(
    sql`jsonb_build_object('namespace', to_jsonb(string_to_array(${ns}, '.')))`,
    scope,
  );
  const where = sql.join([alive(f), orgScope(), ...conditions.map(matches), scoped], sql` AND `);
  const result = await sql<{ ns: string }>`
    SELECT DISTINCT (${ns}) COLLATE "C" AS ns FROM store_items WHERE ${where}
    ORDER BY ns LIMIT ${limit} OFFSET ${offset}`.execute(db);
  return result.rows.map((r) => decodeNamespace(r.ns));
}
