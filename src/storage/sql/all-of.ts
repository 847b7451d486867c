/**
 * Conjunctions and disjunctions built from user input (a containment filter key by key, element by
 * element; a store filter's `$in`) as balanced trees: SQLite refuses an expression deeper than
 * 1000, and a flat chain of N terms is N deep (a 1,000-item filter array answered 500 on SQLite);
 * balanced it is log2 N deep.
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";

function balanced(parts: RawBuilder<unknown>[], op: "AND" | "OR"): RawBuilder<SqlBool> {
  if (parts.length === 1) return parts[0] as RawBuilder<SqlBool>;
  const half = Math.ceil(parts.length / 2);
  const [left, right] = [balanced(parts.slice(0, half), op), balanced(parts.slice(half), op)];
  return sql<SqlBool>`(${left} ${sql.raw(op)} ${right})`;
}

/** `parts` joined by AND as a balanced tree (`1` when there is none). */
export const allOf = (parts: RawBuilder<unknown>[]): RawBuilder<SqlBool> =>
  parts.length === 0 ? sql<SqlBool>`1` : balanced(parts, "AND");

/** `parts` joined by OR as a balanced tree (`0` when there is none). */
export const anyOf = (parts: RawBuilder<unknown>[]): RawBuilder<SqlBool> =>
  parts.length === 0 ? sql<SqlBool>`0` : balanced(parts, "OR");
