/**
 * Metadata filters applied inside SQL, never in memory. Used for search filters and for
 * authorization scopes: `{key: value}` and `{key: {$eq: value}}` mean equality, `{key:
 * {$contains: v | v[]}}` means the stored array (or string) contains every given value.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import {
  jsonContains,
  jsonGet,
  jsonIsArray,
  jsonIsString,
  jsonText,
  textContains,
} from "../engine/neutral.ts";

/** A filter over a jsonb column. */
export type MetadataFilter = Record<string, unknown>;

const isOperator = (v: unknown): v is { $eq?: unknown; $contains?: unknown } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && ("$eq" in v || "$contains" in v);

/** Builds a WHERE expression: every key of `filter` must match `column` (a jsonb column). */
export function jsonbMatches<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  column: string,
  filter: MetadataFilter | undefined,
): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  const plain: Record<string, unknown> = {};
  const col = sql.ref(column);
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (!isOperator(value)) {
      plain[key] = value;
      continue;
    }
    if ("$eq" in value) plain[key] = value.$eq;
    if ("$contains" in value) {
      const wanted = Array.isArray(value.$contains) ? value.$contains : [value.$contains];
      const field = jsonGet(col, key);
      const inString =
        wanted.length === 1 ? textContains(jsonText(col, key), String(wanted[0])) : sql`false`;
      parts.push(
        sql<SqlBool>`(CASE WHEN ${jsonIsArray(field)} THEN ${jsonContains(field, wanted)}
          WHEN ${jsonIsString(field)} THEN ${inString}
          ELSE false END)`,
      );
    }
  }
  if (Object.keys(plain).length > 0) parts.push(jsonContains(col, plain));
  return parts.length === 0 ? sql<SqlBool>`true` : eb.and(parts);
}
