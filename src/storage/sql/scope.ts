/**
 * Authorization scopes applied inside SQL (never by loading rows and filtering them in memory).
 * Same semantics as `matchesScope` in `src/auth/scope.ts`, which is the official `isAuthMatching`:
 * a plain value or `{$eq}` means JSON equality of the key, `{$contains: v | v[]}` means the key
 * holds an array containing every given value; `$or` / `$and` take a list of such filters. Stricter
 * than the search filters of `filters.ts` on purpose: `$contains` never matches a substring.
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from "kysely";
import type { Scope, ScopeFilter } from "../../auth/scope.ts";
import { jsonContains, jsonGet, jsonIsArray } from "../engine/neutral.ts";
import { jsonb } from "./json.ts";

const isOperator = (v: unknown): v is { $eq?: unknown; $contains?: unknown } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && ("$eq" in v || "$contains" in v);

/** A WHERE condition: the jsonb document `doc` matches every key of `scope`. */
export function scopeSql(doc: Expression<unknown>, scope: Scope): RawBuilder<SqlBool> {
  return filterSql(doc, scope);
}

/** `scopeSql` over one filter of a scope (the scope itself, or a branch of its `$or`/`$and`). */
function filterSql(doc: Expression<unknown>, filter: ScopeFilter | undefined): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  for (const [key, condition] of Object.entries(filter ?? {})) {
    if ((key === "$or" || key === "$and") && Array.isArray(condition)) {
      const branches = condition.map((f) => filterSql(doc, f));
      parts.push(
        branches.length === 0
          ? sql<SqlBool>`${key === "$and"}`
          : sql<SqlBool>`(${sql.join(branches, key === "$or" ? sql` OR ` : sql` AND `)})`,
      );
      continue;
    }
    const field = jsonGet(doc, key);
    if (!isOperator(condition)) {
      parts.push(sql<SqlBool>`${field} = ${jsonb(condition)}`);
      continue;
    }
    if ("$eq" in condition) parts.push(sql<SqlBool>`${field} = ${jsonb(condition.$eq)}`);
    if ("$contains" in condition) {
      const wanted = Array.isArray(condition.$contains)
        ? condition.$contains
        : [condition.$contains];
      parts.push(sql<SqlBool>`(${jsonIsArray(field)} AND ${jsonContains(field, wanted)})`);
    }
  }
  // A missing key compares as NULL: coalesce so the condition is always true or false (it may be
  // selected as a flag, not only used in WHERE).
  return parts.length === 0
    ? sql<SqlBool>`true`
    : sql<SqlBool>`coalesce((${sql.join(parts, sql` AND `)}), false)`;
}

/** `scopeSql` over a jsonb column (`"metadata"`, `"threads.metadata"`). */
export function scopeMatches(column: string, scope: Scope): RawBuilder<SqlBool> {
  return scopeSql(sql.ref(column), scope);
}
