/**
 * Strings on MySQL/MariaDB. utf8mb4 text holds U+0000, but no UTF-8 column holds a lone UTF-16
 * surrogate (mysql2 would write U+FFFD) and MariaDB's JSON refuses the `\udXXX` escape of one. So
 * the PostgreSQL escape (`../text-escape.ts`) is applied here too, to the same code units: one
 * stored form on every engine, and a text parameter still compares equal to a JSON string holding
 * the same value. A JSON document parameter is marked in the SQL by `JSON_MARK` right after its
 * `?` (what `json()` renders, `engine.ts`), the counterpart of PostgreSQL's `$n::jsonb`.
 */
import { escapingCodecFor } from "../escaping-codec.ts";

/** Written right after a JSON document parameter's `?`. */
export const JSON_MARK = "/*olg:json*/";

/** 0-based indexes of the `?` parameters followed by `JSON_MARK` (quoted text and comments skipped). */
export function mysqlJsonParams(sql: string): Set<number> {
  const out = new Set<number>();
  let index = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "?") {
      if (sql.startsWith(JSON_MARK, i + 1) || sql.startsWith(` ${JSON_MARK}`, i + 1))
        out.add(index);
      index++;
    } else if (c === "'" || c === '"' || c === "`") {
      for (i++; i < sql.length && sql[i] !== c; i++) if (sql[i] === "\\") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 1;
    }
  }
  return out;
}

/** The escaping codec of MySQL/MariaDB statements. */
export const mysqlEscapingCodec = escapingCodecFor(mysqlJsonParams);
