/**
 * The store's reads that MySQL/MariaDB and SQLite do partly in process, where PostgreSQL uses
 * arrays and vector operators:
 * - **Semantic ranking** (`rankInProcess`): the filtered candidates are read with their embeddings
 *   (stored as JSON arrays, `vectors.ts` kind `json`) and ranked by cosine similarity here. Bound:
 *   at most `MAX_RANKED_CANDIDATES` candidates per search, the oldest first (the same order as an
 *   unranked search); a namespace holding more is only partly ranked, so narrow it with a longer
 *   prefix or a filter, or use PostgreSQL (pgvector) for large indexes.
 * - **Namespace listing** (`selectNamespacesPortable`): the distinct prefixes of live items are read,
 *   then matched, truncated to `max_depth`, scoped, sorted by code point and paged here.
 */
import { type Kysely, type RawBuilder, type SqlBool, sql } from "kysely";
import { matchesScope, type Scope } from "../auth/scope.ts";
import type { Database } from "../storage/database.ts";
import { fromJson } from "../storage/sql/json.ts";
import { orgScope } from "../storage/sql/tenant.ts";
import { decodeNamespace, encodeNamespace } from "./namespace.ts";

/** The most candidate items one in-process ranked search reads. */
export const MAX_RANKED_CANDIDATES = 10_000;

/** A row as `queries.ts` reads it (repeated here to keep the modules acyclic). */
interface Row {
  prefix: string;
  key: string;
  value: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  ttl_minutes: number | null;
  score?: number | null;
}

/** Cosine similarity; null when either vector has no length. */
export function cosine(a: number[], b: number[]): number | null {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? null : dot / Math.sqrt(na * nb);
}

/** Ranks the items matching `where` (over alias `s`) by best field similarity to `query`. */
export async function rankInProcess(
  db: Kysely<Database>,
  where: RawBuilder<SqlBool>,
  query: number[],
  limit: number,
  offset: number,
): Promise<Row[]> {
  const cols = ["org_id", "prefix", "key", "value", "created_at", "updated_at", "ttl_minutes"];
  const { rows } = await sql<Row & { org_id: string; embedding: unknown }>`
    SELECT ${sql.join(cols.map((c) => sql.ref(`c.${c}`)))}, v.embedding
    FROM (SELECT ${sql.join(cols.map((c) => sql.ref(`s.${c}`)))} FROM store_items s WHERE ${where} AND ${orgScope("s")}
          ORDER BY s.created_at, s.prefix, ${sql.ref("s.key")} LIMIT ${MAX_RANKED_CANDIDATES}) c
    LEFT JOIN store_vectors v
      ON v.org_id = c.org_id AND v.prefix = c.prefix AND ${sql.ref("v.key")} = ${sql.ref("c.key")}`.execute(
    db,
  );
  const items = new Map<string, Row & { order: number }>();
  for (const row of rows) {
    const id = `${row.org_id}\u0000${row.prefix}\u0000${row.key}`;
    let item = items.get(id);
    if (!item) {
      const { org_id: _org, embedding: _e, ...rest } = row;
      item = { ...rest, score: null, order: 0 };
      items.set(id, item);
    }
    if (row.embedding == null) continue;
    const score = cosine(fromJson<number[]>(row.embedding), query);
    if (score !== null && (item.score == null || score > item.score)) item.score = score;
  }
  // Candidates came oldest first; ties keep that order (Array.prototype.sort is stable).
  const ranked = [...items.values()].sort((a, b) =>
    a.score == null ? (b.score == null ? 0 : 1) : b.score == null ? -1 : b.score - a.score,
  );
  return ranked.slice(offset, offset + limit).map(({ order: _o, ...row }) => row);
}

/** A namespace match condition; "*" matches any one label (as in queries.ts). */
interface Condition {
  matchType: "prefix" | "suffix";
  path: string[];
}

function matches(labels: string[], c: Condition): boolean {
  if (labels.length < c.path.length) return false;
  const start = c.matchType === "prefix" ? 0 : labels.length - c.path.length;
  return c.path.every((label, i) => label === "*" || labels[start + i] === label);
}

const byCodePoint = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Distinct namespaces of live items, truncated to `maxDepth`, scoped, sorted, paginated. */
export async function selectNamespacesPortable(
  db: Kysely<Database>,
  alive: RawBuilder<SqlBool>,
  conditions: Condition[],
  maxDepth: number | undefined,
  limit: number,
  offset: number,
  scope?: Scope,
): Promise<string[][]> {
  const { rows } = await sql<{ prefix: string }>`
    SELECT DISTINCT prefix FROM store_items WHERE ${alive} AND ${orgScope()}`.execute(db);
  const found = new Set<string>();
  for (const { prefix } of rows) {
    const labels = decodeNamespace(prefix);
    if (!conditions.every((c) => matches(labels, c))) continue;
    const listed =
      maxDepth === undefined ? labels : labels.slice(0, Math.max(0, Math.floor(maxDepth)));
    // The scope sees the namespace as listed (after max_depth), as the official server filters it.
    if (scope && !matchesScope({ namespace: listed }, scope)) continue;
    found.add(encodeNamespace(listed));
  }
  return [...found]
    .sort(byCodePoint)
    .slice(offset, offset + limit)
    .map(decodeNamespace);
}
