/**
 * Store search filters in SQL, over the top-level keys of the item value, with the operators
 * `BaseStore` documents: a plain value or `$eq` (JSON equality), `$ne`, `$gt/$gte/$lt/$lte`
 * (numeric when the operand is a number, text order when it is a string), `$in`, `$nin`. An object
 * whose keys are not all operators is compared as a value, as the in-memory store does.
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";

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

/** A WHERE condition over jsonb `column` for a store search `filter`. */
export function storeFilter(
  column: string,
  filter: Record<string, unknown> | undefined,
): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (isOperatorObject(value)) {
      for (const [op, operand] of Object.entries(value))
        parts.push(operatorCondition(column, key, op, operand));
    } else {
      parts.push(operatorCondition(column, key, "$eq", value));
    }
  }
  return parts.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`(${sql.join(parts, sql` AND `)})`;
}
