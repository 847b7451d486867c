/**
 * Engine-neutral SQL expressions. Each builder returns a Kysely `RawBuilder` whose SQL is the
 * PostgreSQL form (so PostgreSQL and PGlite compile exactly what they compiled before the port,
 * at no extra cost) and records what it means (`NeutralOp`) against its operation node. Engines
 * other than PostgreSQL install a Kysely plugin (`plugin.ts`) that replaces each recorded node by
 * that engine's rendering (`SqlEngine.render`) while a statement compiles.
 *
 * Rules for feature code: JSON values are written with `json()`, read by key with `jsonGet` /
 * `jsonText`, matched with `jsonContains` (PostgreSQL `@>` semantics); times come from `now()` /
 * `nowPlusMs`; never spell `->`, `@>`, `::jsonb`, `interval` or `now()` in a statement.
 */
import { type Expression, type RawBuilder, type RawNode, type SqlBool, sql } from "kysely";

/** Something a neutral builder accepts as a SQL operand: an expression or a column name. */
export type Operand = Expression<unknown> | string;

/** What a neutral expression means; every engine renders each kind. */
export type NeutralOp =
  | { op: "json"; value: unknown }
  | { op: "now" }
  | { op: "nowPlusMs"; ms: Expression<unknown> | number }
  | { op: "tsPlusMs"; ts: Expression<unknown>; ms: Expression<unknown> | number }
  | { op: "epochMs"; ts: Expression<unknown> }
  | { op: "jsonGet"; doc: Expression<unknown>; key: string }
  | { op: "jsonText"; doc: Expression<unknown>; key: string }
  | { op: "jsonIsArray"; value: Expression<unknown> }
  | { op: "jsonIsString"; value: Expression<unknown> }
  | { op: "jsonContains"; doc: Expression<unknown>; value: unknown }
  | { op: "jsonMerge"; doc: Expression<unknown>; patch: Record<string, unknown> }
  | { op: "textContains"; haystack: Expression<unknown>; needle: string; ci: boolean }
  | { op: "greatest"; a: Expression<unknown> | number; b: Expression<unknown> | number };

const OPS = new WeakMap<RawNode, NeutralOp>();

/** The meaning recorded for `node`, when it is a neutral expression. */
export function neutralOp(node: RawNode): NeutralOp | undefined {
  return OPS.get(node);
}

function mark<T>(op: NeutralOp, pg: RawBuilder<T>): RawBuilder<T> {
  OPS.set(pg.toOperationNode() as RawNode, op);
  return pg;
}

const ref = (x: Operand): Expression<unknown> => (typeof x === "string" ? sql.ref(x) : x);

/** The PostgreSQL rendering of `op` (the default). */
export function postgresSql(op: NeutralOp): RawBuilder<unknown> {
  switch (op.op) {
    case "json":
      return sql`${JSON.stringify(op.value ?? null)}::jsonb`;
    case "now":
      return sql`now()`;
    case "nowPlusMs":
      return sql`(now() + ${op.ms} * interval '1 millisecond')`;
    case "tsPlusMs":
      return sql`(${op.ts} + ${op.ms} * interval '1 millisecond')`;
    case "epochMs":
      return sql`(extract(epoch from ${op.ts}) * 1000)`;
    case "jsonGet":
      return sql`(${op.doc} -> ${op.key})`;
    case "jsonText":
      return sql`(${op.doc} ->> ${op.key})`;
    case "jsonIsArray":
      return sql`(jsonb_typeof(${op.value}) = 'array')`;
    case "jsonIsString":
      return sql`(jsonb_typeof(${op.value}) = 'string')`;
    case "jsonContains":
      return sql`(${op.doc} @> ${json(op.value)})`;
    case "jsonMerge":
      return sql`(${op.doc} || ${json(op.patch)})`;
    case "textContains":
      return op.ci
        ? sql`(position(lower(${op.needle}) in lower(${op.haystack})) > 0)`
        : sql`(position(${op.needle} in ${op.haystack}) > 0)`;
    case "greatest":
      return sql`greatest(${op.a}, ${op.b})`;
  }
}

const neutral = <T>(op: NeutralOp): RawBuilder<T> => mark(op, postgresSql(op) as RawBuilder<T>);

/** A JSON document parameter (`undefined` is JSON null). PostgreSQL: `$n::jsonb`. */
export function json(value: unknown): RawBuilder<string> {
  return neutral({ op: "json", value: value ?? null });
}

/** The database's current time (a timestamp; PostgreSQL: the transaction's start). */
export function now(): RawBuilder<Date> {
  return neutral({ op: "now" });
}

/** `now()` plus `ms` milliseconds (a number or a numeric expression). */
export function nowPlusMs(ms: Expression<unknown> | number): RawBuilder<Date> {
  return neutral({ op: "nowPlusMs", ms });
}

/** The timestamp `ts` plus `ms` milliseconds. */
export function tsPlusMs(ts: Operand, ms: Expression<unknown> | number): RawBuilder<Date> {
  return neutral({ op: "tsPlusMs", ts: ref(ts), ms });
}

/** Milliseconds since the Unix epoch of the timestamp `ts` (a number, maybe fractional). */
export function epochMs(ts: Operand): RawBuilder<number> {
  return neutral({ op: "epochMs", ts: ref(ts) });
}

/** The JSON value under `key` of the document `doc` (SQL NULL when absent); compare it with `json()`. */
export function jsonGet(doc: Operand, key: string): RawBuilder<unknown> {
  return neutral({ op: "jsonGet", doc: ref(doc), key });
}

/** The value under `key` of `doc` as text (SQL NULL when absent or JSON null). */
export function jsonText(doc: Operand, key: string): RawBuilder<string | null> {
  return neutral({ op: "jsonText", doc: ref(doc), key });
}

/** Whether the JSON value `value` is an array. */
export function jsonIsArray(value: Operand): RawBuilder<SqlBool> {
  return neutral({ op: "jsonIsArray", value: ref(value) });
}

/** Whether the JSON value `value` is a string. */
export function jsonIsString(value: Operand): RawBuilder<SqlBool> {
  return neutral({ op: "jsonIsString", value: ref(value) });
}

/**
 * Whether `doc` contains `value` with PostgreSQL's `jsonb @>` semantics (objects: every key
 * contained; arrays: every element contained in some element; scalars: equal).
 */
export function jsonContains(doc: Operand, value: unknown): RawBuilder<SqlBool> {
  return neutral({ op: "jsonContains", doc: ref(doc), value });
}

/** `doc` with the top-level keys of `patch` set (a shallow merge: PostgreSQL `jsonb || jsonb`). */
export function jsonMerge(doc: Operand, patch: Record<string, unknown>): RawBuilder<string> {
  return neutral({ op: "jsonMerge", doc: ref(doc), patch });
}

/** Whether the text `haystack` contains `needle` (`ci`: ignoring case). */
export function textContains(haystack: Operand, needle: string, ci = false): RawBuilder<SqlBool> {
  return neutral({ op: "textContains", haystack: ref(haystack), needle, ci });
}

/** The larger of two values. */
export function greatest(
  a: Expression<unknown> | number,
  b: Expression<unknown> | number,
): RawBuilder<number> {
  return neutral({ op: "greatest", a, b });
}
