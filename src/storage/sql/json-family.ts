/**
 * JSON in SQL per family, for the checkpointer and the store: a document parameter, the text at a
 * top-level key, and containment (`@>` semantics) over a stored document.
 * - PostgreSQL family: `$1::jsonb` (the cast also tells the escaping codec to escape the strings
 *   of the document, see ../escaping-codec.ts), `->>`, `@>`.
 * - MySQL / MariaDB: the JSON text as is, `JSON_VALUE(col, '$."k"')`, `JSON_CONTAINS(col, doc)`
 *   with type checks along the filter's object paths (`mysqlContains`: `@>` semantics).
 * - SQLite: the JSON text as is, `json_extract`, and containment built from `json_type` /
 *   `json_each` (SQLite has no containment function): object keys recursively, an array contains
 *   each filter element somewhere, scalars compare by JSON type and value.
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { JSON_MARK } from "../mysql/codec.ts";
import { mysqlContains, mysqlJsonDoc } from "../mysql/engine.ts";
import { allOf } from "./all-of.ts";
import type { SqlFamily } from "./family.ts";
import { isPostgresFamily } from "./family.ts";
import { keyPath } from "./key-path.ts";

/** A JSON path selecting top-level `key` (quoted, escaped: `./key-path.ts`). */
export { keyPath };

const JSON_PARAM_MARK = sql.raw(` ${JSON_MARK}`);

/** A JSON document parameter (`text` is JSON text) for a JSON column or function. */
export function jsonDoc(family: SqlFamily, text: string): RawBuilder<string> {
  if (isPostgresFamily(family)) return sql<string>`${text}::jsonb`;
  // MariaDB and SQLite: marked for the escaping codec (../mysql/codec.ts), as `::jsonb` is on
  // PostgreSQL, so the strings inside are escaped as JSON (U+0000, lone surrogates round-trip).
  return family === "mysql" ? mysqlJsonDoc(text) : sql<string>`${text}${JSON_PARAM_MARK}`;
}

/** `value` serialized as a JSON document parameter. */
export const jsonValue = (family: SqlFamily, value: unknown): RawBuilder<string> =>
  jsonDoc(family, JSON.stringify(value ?? null));

/** The value at top-level `key` of JSON `column` as text (strings unquoted; SQL NULL if absent). */
export function jsonTextAt(family: SqlFamily, column: string, key: string): RawBuilder<string> {
  const col = sql.ref(column);
  if (isPostgresFamily(family)) return sql<string>`(${col} ->> ${key})`;
  if (family === "mysql") return sql<string>`JSON_VALUE(${col}, ${keyPath(key)})`;
  return sql<string>`json_extract(${col}, ${keyPath(key)})`;
}

/** The object or array at top-level `key` of JSON `column` (as JSON; SQL NULL if absent). */
export function jsonObjectAt(family: SqlFamily, column: string, key: string): RawBuilder<unknown> {
  const col = sql.ref(column);
  if (isPostgresFamily(family)) return sql`(${col} -> ${key})`;
  if (family === "mysql") return sql`JSON_EXTRACT(${col}, ${keyPath(key)})`;
  return sql`json_extract(${col}, ${keyPath(key)})`;
}

/** Whether JSON `column` contains `filter` (PostgreSQL `@>` semantics). */
export function jsonContains(
  family: SqlFamily,
  column: string,
  filter: unknown,
): RawBuilder<SqlBool> {
  const col = sql.ref(column);
  if (isPostgresFamily(family)) return sql<SqlBool>`(${col} @> ${jsonValue(family, filter)})`;
  if (family === "mysql") return mysqlContains(col, filter) as RawBuilder<SqlBool>;
  return sqliteContains(col, "$", filter, 0);
}

/** SQLite JSON type names as SQL literals: constants, so not bind parameters (SQLite allows 32,766). */
const typeList = (types: string[]) => sql.raw(types.map((t) => `'${t}'`).join(", "));

const sqliteType = (value: unknown): string[] => {
  if (value === null || value === undefined) return ["null"];
  if (typeof value === "boolean") return [value ? "true" : "false"];
  if (typeof value === "number") return ["integer", "real"];
  if (typeof value === "string") return ["text"];
  return Array.isArray(value) ? ["array"] : ["object"];
};

/** A scalar's SQL value as SQLite's `json_extract` / `json_each.atom` returns it. */
const atom = (value: unknown): unknown =>
  typeof value === "boolean" ? (value ? 1 : 0) : (value ?? null);

/** SQLite: the JSON at `path` of `root` contains `filter`. `depth` names nested `json_each`s. */
function sqliteContains(
  root: RawBuilder<unknown>,
  path: string,
  filter: unknown,
  depth: number,
): RawBuilder<SqlBool> {
  const types = sqliteType(filter);
  const typeOk = sql<SqlBool>`json_type(${root}, ${path}) IN (${typeList(types)})`;
  if (types[0] === "object") {
    const parts = Object.entries(filter as Record<string, unknown>).map(([k, v]) =>
      sqliteContains(root, `${path}.${keyPath(k).slice(2)}`, v, depth),
    );
    return allOf([typeOk, ...parts]);
  }
  if (types[0] === "array") {
    const each = sql.raw(`e${depth}`);
    const isNested = (element: unknown) => element !== null && typeof element === "object";
    const parts = (filter as unknown[]).filter(isNested).map((element) => {
      const match = sqliteContains(sql`${each}.value`, "$", element, depth + 1);
      return sql<SqlBool>`EXISTS (SELECT 1 FROM json_each(${root}, ${path}) AS ${each} WHERE ${match})`;
    });
    // Scalars in one subquery over one JSON parameter: a subquery each cost SQLite seconds to
    // prepare for a 1,000-item list.
    const scalars = (filter as unknown[]).filter((element) => !isNested(element));
    const wanted = sql.raw(`w${depth}`);
    const sameType = sql`(${each}.type = ${wanted}.type OR (${each}.type IN ('integer', 'real') AND ${wanted}.type IN ('integer', 'real')))`;
    if (scalars.length)
      parts.push(sql<SqlBool>`NOT EXISTS (SELECT 1 FROM json_each(${jsonValue("sqlite", scalars)}) AS ${wanted} WHERE NOT EXISTS (
        SELECT 1 FROM json_each(${root}, ${path}) AS ${each} WHERE ${sameType} AND ${each}.atom IS ${wanted}.atom))`);
    return allOf([typeOk, ...parts]);
  }
  if (types[0] === "null") return typeOk;
  return sql<SqlBool>`(${typeOk} AND json_extract(${root}, ${path}) IS ${atom(filter)})`;
}

/**
 * MySQL/MariaDB, SQLite: whether the JSON at top-level `key` of JSON `column` equals `value`
 * exactly, as PostgreSQL's jsonb `=` (scalars by JSON type and value, numbers by value; arrays of
 * the same length equal element by element in order; objects with the same number of keys equal
 * key by key in any order). Compiled from `value`, which is known when the statement is built, so
 * no engine needs a JSON equality function (MariaDB has `JSON_EQUALS` only from 10.7). Always true
 * or false, never NULL (a missing key is not equal).
 */
export function jsonEquals(
  family: "mysql" | "sqlite",
  column: string,
  key: string,
  value: unknown,
): RawBuilder<SqlBool> {
  return sql<SqlBool>`coalesce(${equalsAt(family, sql.ref(column), keyPath(key), value)}, 0)`;
}

function equalsAt(
  family: "mysql" | "sqlite",
  col: RawBuilder<unknown>,
  path: string,
  value: unknown,
): RawBuilder<SqlBool> {
  const isArray = Array.isArray(value);
  const isObject = value !== null && typeof value === "object" && !isArray;
  const all = allOf;
  if (family === "sqlite") {
    const typeOk = sql<SqlBool>`json_type(${col}, ${path}) IN (${typeList(sqliteType(value))})`;
    if (isArray || isObject) {
      const entries = isArray
        ? (value as unknown[]).map((v, i) => [`${path}[${i}]`, v] as const)
        : Object.entries(value as object).map(([k, v]) => [`${path}.${keyPath(k).slice(2)}`, v]);
      const count = sql`(SELECT count(*) FROM json_each(${col}, ${path}))`;
      return all([
        typeOk,
        sql<SqlBool>`${count} = ${entries.length}`,
        ...entries.map(([p, v]) => equalsAt(family, col, p as string, v)),
      ]);
    }
    if (value === null || typeof value === "boolean") return typeOk;
    return all([typeOk, sql<SqlBool>`json_extract(${col}, ${path}) = ${value}`]);
  }
  const at = sql`JSON_EXTRACT(${col}, ${path})`;
  const t = sql`JSON_TYPE(${at})`;
  if (isArray || isObject) {
    const entries = isArray
      ? (value as unknown[]).map((v, i) => [`${path}[${i}]`, v] as const)
      : Object.entries(value as object).map(([k, v]) => [`${path}.${keyPath(k).slice(2)}`, v]);
    return all([
      sql<SqlBool>`${t} = ${isArray ? "ARRAY" : "OBJECT"}`,
      sql<SqlBool>`JSON_LENGTH(${col}, ${path}) = ${entries.length}`,
      ...entries.map(([p, v]) => equalsAt(family, col, p as string, v)),
    ]);
  }
  if (value === null || value === undefined) return sql<SqlBool>`${t} = 'NULL'`;
  if (typeof value === "boolean")
    // JSON on both sides (MariaDB's JSON_EXTRACT gives the text `true`, MySQL a JSON value).
    return sql<SqlBool>`(${t} = 'BOOLEAN' AND ${at} = JSON_EXTRACT(${JSON.stringify([value])}, '$[0]'))`;
  if (typeof value === "number")
    return sql<SqlBool>`(${t} IN ('INTEGER', 'DOUBLE', 'DECIMAL') AND JSON_VALUE(${col}, ${path}) + 0 = ${value})`;
  return sql<SqlBool>`(${t} = 'STRING' AND JSON_VALUE(${col}, ${path}) = ${String(value)})`;
}
