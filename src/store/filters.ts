/**
 * Store search filters in SQL, over the top-level keys of the item value, with the operators
 * `BaseStore` documents: a plain value or `$eq` (JSON equality), `$ne`, `$gt/$gte/$lt/$lte`
 * (numeric when the operand is a number, text order when it is a string), `$in`, `$nin`. An object
 * whose keys are not all operators is compared as a value, as the in-memory store does.
 * MySQL/MariaDB and SQLite: equality is PostgreSQL's jsonb `=`, compiled from the filter value
 * (`jsonEquals` in `../storage/sql/json-family.ts`): scalars by JSON type and value, arrays in
 * order, objects key by key in any order.
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { allOf, anyOf } from "../storage/sql/all-of.ts";
import { isPostgresFamily, type SqlFamily } from "../storage/sql/family.ts";
import { jsonEquals, jsonValue, keyPath } from "../storage/sql/json-family.ts";

const OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);
const COMPARISONS = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" } as const;

const isOperatorObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).length > 0 &&
  Object.keys(v).every((k) => OPERATORS.has(k));

const jsonb = (v: unknown) => sql`${JSON.stringify(v ?? null)}::jsonb`;

function comparison(
  field: RawBuilder<unknown>,
  text: RawBuilder<unknown>,
  op: keyof typeof COMPARISONS,
  operand: unknown,
): RawBuilder<SqlBool> {
  const cmp = sql.raw(COMPARISONS[op]);
  if (typeof operand === "number")
    return sql<SqlBool>`(jsonb_typeof(${field}) = 'number' AND (${text})::numeric ${cmp} ${operand}::numeric)`;
  if (typeof operand === "string")
    return sql<SqlBool>`(jsonb_typeof(${field}) = 'string' AND ${text} COLLATE "C" ${cmp} ${operand})`;
  return sql<SqlBool>`false`;
}

function operatorCondition(
  column: string,
  key: string,
  op: string,
  operand: unknown,
): RawBuilder<SqlBool> {
  const field = sql`(${sql.ref(column)} -> ${key})`;
  const text = sql`(${sql.ref(column)} ->> ${key})`;
  switch (op) {
    case "$eq":
      return sql<SqlBool>`${field} = ${jsonb(operand)}`;
    case "$ne":
      return sql<SqlBool>`${field} IS DISTINCT FROM ${jsonb(operand)}`;
    case "$in":
    case "$nin": {
      const list = Array.isArray(operand) ? operand : [];
      const inList =
        list.length === 0
          ? sql<SqlBool>`false`
          : sql<SqlBool>`coalesce(${field} IN (${sql.join(list.map(jsonb))}), false)`;
      return op === "$in" ? inList : sql<SqlBool>`NOT ${inList}`;
    }
    default:
      return comparison(field, text, op as keyof typeof COMPARISONS, operand);
  }
}

/** MySQL/MariaDB, SQLite: `column.key` equals `operand` exactly (PostgreSQL jsonb `=`). */
const portableEquals = (family: SqlFamily, column: string, key: string, operand: unknown) =>
  jsonEquals(family as "mysql" | "sqlite", column, key, operand);

/**
 * SQLite: `column.key` equals one of `list`. Scalars in one subquery over one JSON parameter (an
 * equality each cost SQLite 1 s to prepare for 1,000 items, on the thread serving HTTP).
 */
function sqliteIn(column: string, key: string, list: unknown[]): RawBuilder<SqlBool> {
  const isScalar = (v: unknown) => v === null || typeof v !== "object";
  const scalars = list.filter(isScalar);
  const parts = list
    .filter((v) => !isScalar(v))
    .map((v) => portableEquals("sqlite", column, key, v));
  if (scalars.length) {
    const [col, path] = [sql.ref(column), keyPath(key)];
    const t = sql`json_type(${col}, ${path})`;
    parts.push(sql<SqlBool>`EXISTS (SELECT 1 FROM json_each(${jsonValue("sqlite", scalars)}) AS w
      WHERE (${t} = w.type OR (${t} IN ('integer', 'real') AND w.type IN ('integer', 'real')))
      AND json_extract(${col}, ${path}) IS w.atom)`);
  }
  return sql<SqlBool>`coalesce(${anyOf(parts)}, 0)`;
}

/** MySQL/MariaDB, SQLite: one operator over `column.key`. */
function portableCondition(
  family: SqlFamily,
  column: string,
  key: string,
  op: string,
  operand: unknown,
): RawBuilder<SqlBool> {
  switch (op) {
    case "$eq":
      return portableEquals(family, column, key, operand);
    case "$ne":
      return sql<SqlBool>`NOT ${portableEquals(family, column, key, operand)}`;
    case "$in":
    case "$nin": {
      const list = Array.isArray(operand) ? operand : [];
      const inList =
        list.length === 0
          ? sql<SqlBool>`1 = 0`
          : family === "sqlite"
            ? sqliteIn(column, key, list)
            : anyOf(list.map((v) => portableEquals(family, column, key, v)));
      return op === "$in" ? inList : sql<SqlBool>`NOT ${inList}`;
    }
  }
  const cmp = sql.raw(COMPARISONS[op as keyof typeof COMPARISONS]);
  if (typeof operand !== "number" && typeof operand !== "string") return sql<SqlBool>`1 = 0`;
  const col = sql.ref(column);
  const path = keyPath(key);
  if (family === "sqlite") {
    const types = typeof operand === "number" ? sql`('integer', 'real')` : sql`('text')`;
    return sql<SqlBool>`coalesce(json_type(${col}, ${path}) IN ${types} AND json_extract(${col}, ${path}) ${cmp} ${operand}, 0)`;
  }
  const t = sql`JSON_TYPE(JSON_EXTRACT(${col}, ${path}))`;
  return typeof operand === "number"
    ? sql<SqlBool>`coalesce(${t} IN ('INTEGER', 'DOUBLE', 'DECIMAL') AND JSON_VALUE(${col}, ${path}) + 0 ${cmp} ${operand}, 0)`
    : sql<SqlBool>`coalesce(${t} = 'STRING' AND JSON_VALUE(${col}, ${path}) ${cmp} ${operand}, 0)`;
}

/** A WHERE condition over JSON `column` for a store search `filter`. */
export function storeFilter(
  column: string,
  filter: Record<string, unknown> | undefined,
  family: SqlFamily = "postgres",
): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  const condition = isPostgresFamily(family)
    ? operatorCondition
    : (c: string, k: string, op: string, v: unknown) => portableCondition(family, c, k, op, v);
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (isOperatorObject(value)) {
      for (const [op, operand] of Object.entries(value))
        parts.push(condition(column, key, op, operand));
    } else {
      parts.push(condition(column, key, "$eq", value));
    }
  }
  return parts.length === 0 ? sql<SqlBool>`1 = 1` : allOf(parts);
}
