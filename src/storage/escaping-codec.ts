/**
 * The statement codec that makes any string storable (see `text-escape.ts`), applied at the driver
 * so no repository, raw SQL statement or graph write (checkpointer, store) can bypass it:
 * - a string parameter cast to JSON in the SQL (`$n::jsonb`, `$n::json`) is a JSON document: the
 *   strings and keys inside it are escaped;
 * - any other string parameter is a text value: it is escaped as a whole;
 * - array and object parameters have their strings escaped;
 * - result cells are unescaped: text cells as a whole, parsed json/jsonb cells and arrays inside.
 * So a JSON write must carry its cast (`jsonb()` in `sql/json.ts`), and a read must select jsonb as
 * jsonb, never `jsonb::text` (its escapes would be undone as text, not as JSON).
 */
import type { StatementCodec } from "./codec-dialect.ts";
import {
  escapeJson,
  escapeJsonText,
  escapeText,
  mayNeedEscape,
  unescapeJson,
  unescapeText,
} from "./text-escape.ts";

const JSON_PARAM = /\$(\d+)::jsonb?(?![\w[])/g;

/** 0-based indexes of the parameters the SQL casts to json/jsonb. */
function jsonParams(sql: string): Set<number> {
  const out = new Set<number>();
  for (const m of sql.matchAll(JSON_PARAM)) out.add(Number(m[1]) - 1);
  return out;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/**
 * Escapes parameters, unescapes rows; `findJson` names the parameters the SQL marks as JSON
 * documents (PostgreSQL: the `::jsonb` cast; MySQL/MariaDB: `../mysql/codec.ts`).
 */
export function escapingCodecFor(findJson: (sql: string) => Set<number>): StatementCodec {
  return {
    encodeParams: (sql, params) => encodeParams(sql, params, findJson),
    decodeRows,
  };
}

function encodeParams(
  sql: string,
  params: readonly unknown[],
  findJson: (sql: string) => Set<number>,
): unknown[] {
  let json: Set<number> | null = null;
  return params.map((p, i) => {
    if (typeof p === "string") {
      if (!mayNeedEscape(p)) return p;
      json ??= findJson(sql);
      return json.has(i) ? escapeJsonText(p) : escapeText(p);
    }
    if (p === null || typeof p !== "object" || isBytes(p) || p instanceof Date) return p;
    return escapeJson(p);
  });
}

/** Unescapes result rows (every engine). */
const decodeRows: StatementCodec["decodeRows"] = (_sql, rows) => {
  for (const row of rows) {
    if (row === null || typeof row !== "object") continue;
    const r = row as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      const v = r[key];
      if (typeof v === "string") r[key] = unescapeText(v);
      else if (v !== null && typeof v === "object" && !isBytes(v) && !(v instanceof Date))
        r[key] = unescapeJson(v);
    }
  }
  return rows;
};

/** Escapes parameters (JSON documents by their `::jsonb` cast), unescapes rows: PostgreSQL. */
export const escapingCodec: StatementCodec = escapingCodecFor(jsonParams);
