/**
 * The write path of the SQL store (sql-store.ts): a batch's puts are embedded first, in one
 * `embedDocuments` call and before any transaction is opened (`preparePuts`; a vector whose length
 * is not the index's `dims` is an error), then written in the caller's transaction (`writePuts`):
 * a null value deletes the item; otherwise the item is upserted with its TTL (`ttl` minutes, the
 * configured `defaultTtl` when the put names none) and, when indexed, its `store_vectors` rows are
 * replaced. An overwrite always moves `updated_at` forward; an expired, unswept row counts as new.
 */
import type { PutOperation } from "@langchain/langgraph";
import { type Kysely, sql } from "kysely";
import type { Database } from "../storage/database.ts";
import { familyOf } from "../storage/sql/family.ts";
import { jsonValue } from "../storage/sql/json-family.ts";
import { orgScope } from "../storage/sql/tenant.ts";
import type { Embedder } from "./embeddings.ts";
import { laterThan, nowPlusMinutes, nowSql } from "./family-sql.ts";
import { encodeNamespace } from "./namespace.ts";
import { textsToEmbed } from "./text-paths.ts";
import type { VectorTable } from "./vectors.ts";

/** `store.index` resolved: the embedder, its dims, the default fields and the vector table. */
export interface StoreIndex {
  dims: number;
  embedder: Embedder;
  fields: string[];
  vectors: VectorTable;
}

/** A put with the platform's `ttl` (minutes; null: never expires). */
export type PutOp = PutOperation & { ttl?: number | null };

/** A put and its embeddings. */
export interface PreparedPut {
  op: PutOp;
  /** Embeddings to store, when indexed (null: leave none). */
  vectors: { field: string; embedding: number[] }[] | null;
}

/** Throws when `vector` does not have the index's `dims` entries. */
export function checkDims(index: StoreIndex, vector: number[]): void {
  const dims = index.dims;
  if (vector.length !== dims)
    throw new Error(`Embedding dimension mismatch: expected ${dims}, got ${vector.length}`);
}

/** Embeds every indexed put in one call, before any transaction is opened. */
export async function preparePuts(index: StoreIndex | null, ops: PutOp[]): Promise<PreparedPut[]> {
  const prepared: PreparedPut[] = ops.map((op) => ({ op, vectors: null }));
  if (!index) return prepared;
  const texts: { at: number; field: string; text: string }[] = [];
  prepared.forEach(({ op }, at) => {
    if (op.value == null || op.index === false) return;
    prepared[at]!.vectors = [];
    const fields = op.index ?? index.fields;
    for (const t of textsToEmbed(op.value, fields)) texts.push({ at, ...t });
  });
  if (texts.length === 0) return prepared;
  const embeddings = await index.embedder.embedDocuments(texts.map((t) => t.text));
  texts.forEach((t, i) => {
    const embedding = embeddings[i];
    if (!embedding) throw new Error(`No embedding returned for field "${t.field}"`);
    checkDims(index, embedding);
    prepared[t.at]!.vectors!.push({ field: t.field, embedding });
  });
  return prepared;
}

/** Writes prepared puts in `trx`: deletes for null values, upserts, and the items' vectors. */
export async function writePuts(
  trx: Kysely<Database>,
  prepared: PreparedPut[],
  vectors: VectorTable | null,
  defaultTtl: number | null | undefined,
): Promise<void> {
  for (const { op, vectors: embedded } of prepared) {
    const prefix = encodeNamespace(op.namespace);
    if (op.value == null) {
      await trx
        .deleteFrom("store_items")
        .where("prefix", "=", prefix)
        .where("key", "=", op.key)
        .execute();
      continue;
    }
    const ttl = op.ttl === undefined ? (defaultTtl ?? null) : op.ttl;
    const f = familyOf(trx);
    const now = nowSql(f);
    const insert = trx.insertInto("store_items").values({
      prefix,
      key: op.key,
      value: jsonValue(f, op.value),
      ttl_minutes: ttl,
      expires_at: ttl == null ? null : nowPlusMinutes(f, ttl),
    });
    // An expired row that was not swept yet is a new item; `updated_at` strictly increases, so an
    // overwrite is always visible in it. MySQL assigns left to right, reading the updated values:
    // created_at and updated_at come before the columns they read are replaced.
    await (f === "mysql"
      ? insert.onDuplicateKeyUpdate({
          created_at: sql<Date>`CASE WHEN expires_at <= ${now} THEN ${now} ELSE created_at END`,
          updated_at: laterThan(f, "updated_at"),
          value: sql`VALUES(value)`,
          ttl_minutes: sql`VALUES(ttl_minutes)`,
          expires_at: sql`VALUES(expires_at)`,
        })
      : insert.onConflict((oc) =>
          oc.columns(["org_id", "prefix", "key"]).doUpdateSet((eb) => ({
            value: eb.ref("excluded.value"),
            ttl_minutes: eb.ref("excluded.ttl_minutes"),
            expires_at: eb.ref("excluded.expires_at"),
            updated_at: laterThan(f, "store_items.updated_at"),
            created_at: sql<Date>`CASE WHEN store_items.expires_at <= ${now} THEN ${now} ELSE store_items.created_at END`,
          })),
        )
    ).execute();
    if (!vectors) continue;
    const key = sql.ref("key");
    // The org's own vectors only: another org may hold the same prefix and key.
    await sql`DELETE FROM store_vectors
      WHERE prefix = ${prefix} AND ${key} = ${op.key} AND ${orgScope()}`.execute(trx);
    // MySQL/MariaDB: no unique key over field names (see vectors.ts); rows were just deleted.
    const conflict =
      f === "mysql"
        ? sql``
        : sql`ON CONFLICT (org_id, prefix, ${key}, field_name) DO UPDATE SET embedding = excluded.embedding`;
    for (const v of embedded ?? []) {
      await sql`INSERT INTO store_vectors (prefix, ${key}, field_name, embedding)
          VALUES (${prefix}, ${op.key}, ${v.field}, ${vectors.literal(v.embedding)}) ${conflict}`.execute(
        trx,
      );
    }
  }
}
