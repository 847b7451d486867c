/**
 * The store's SQL that differs per family (`../storage/sql/family.ts`): times (PostgreSQL
 * `timestamptz`, MySQL/MariaDB `DATETIME(6)` in UTC, SQLite ISO-8601 text in UTC, so text order is
 * time order), the item document auth scopes see, and namespace prefixes.
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { isPostgresFamily, type SqlFamily } from "../storage/sql/family.ts";
import { escapeText } from "../storage/text-escape.ts";

/** SQLite's timestamp text (what `Date.toISOString()` writes). */
const SQLITE_TS = "%Y-%m-%dT%H:%M:%fZ";

/** The current time. */
export function nowSql(family: SqlFamily): RawBuilder<Date> {
  if (isPostgresFamily(family)) return sql<Date>`now()`;
  if (family === "mysql") return sql<Date>`NOW(6)`;
  return sql<Date>`strftime(${SQLITE_TS}, 'now')`;
}

/** The current time plus `minutes` (a numeric SQL expression or a number). */
export function nowPlusMinutes(family: SqlFamily, minutes: unknown): RawBuilder<Date> {
  if (isPostgresFamily(family)) return sql<Date>`now() + ${minutes} * interval '1 minute'`;
  if (family === "mysql")
    return sql<Date>`(NOW(6) + INTERVAL ROUND(${minutes} * 60000000) MICROSECOND)`;
  return sql<Date>`strftime(${SQLITE_TS}, 'now', printf('%+.3f seconds', ${minutes} * 60.0))`;
}

/** `column` + 1 ms, no earlier than now: an overwrite's strictly increasing `updated_at`. */
export function laterThan(family: SqlFamily, column: string): RawBuilder<Date> {
  const col = sql.ref(column);
  if (isPostgresFamily(family))
    return sql<Date>`greatest(now(), ${col} + interval '1 millisecond')`;
  if (family === "mysql") return sql<Date>`GREATEST(NOW(6), ${col} + INTERVAL 1000 MICROSECOND)`;
  return sql<Date>`max(strftime(${SQLITE_TS}, 'now'), strftime(${SQLITE_TS}, ${col}, '+0.001 seconds'))`;
}

/**
 * The document auth scopes see for an item: its value with `namespace` (the labels, an array) and
 * `key` on top. Labels never hold a ".", so quoting the prefix as a JSON string and splitting it at
 * the dots gives the JSON array of labels.
 */
export function itemDoc(family: SqlFamily, alias: string): RawBuilder<unknown> {
  const value = sql.ref(`${alias}.value`);
  const prefix = sql.ref(`${alias}.prefix`);
  const key = sql.ref(`${alias}.key`);
  if (isPostgresFamily(family))
    return sql`(${value} || jsonb_build_object('namespace', to_jsonb(string_to_array(${prefix}, '.')), 'key', ${key}))`;
  if (family === "mysql")
    return sql`JSON_SET(${value}, '$.namespace', JSON_EXTRACT(CONCAT('[', REPLACE(JSON_QUOTE(${prefix}), '.', '","'), ']'), '$'), '$.key', ${key})`;
  return sql`json_set(${value}, '$.namespace', json('[' || replace(json_quote(${prefix}), '.', '","') || ']'), '$.key', ${key})`;
}

/** Condition: `column` (a namespace prefix) is `prefix` or starts with `prefix` + ".". */
export function prefixMatch(
  family: SqlFamily,
  column: string,
  prefix: string,
): RawBuilder<SqlBool> {
  const col = sql.ref(column);
  // substr counts characters on every engine; SQLite's LIKE would ignore ASCII case. The column
  // holds the escaped text (../storage/escaping-codec.ts escapes `head` the same way), so the
  // length is that of the escaped form (a lone surrogate is stored as several characters).
  const head = `${prefix}.`;
  const length = [...escapeText(head)].length;
  const substr = family === "mysql" ? sql.raw("SUBSTRING") : sql.raw("substr");
  return sql<SqlBool>`(${col} = ${prefix} OR ${substr}(${col}, 1, ${length}) = ${head})`;
}
