/**
 * Values across the SQLite driver. better-sqlite3 binds only numbers, strings, bigints, buffers
 * and null, and returns TEXT/INTEGER/REAL/BLOB; repositories speak the PostgreSQL drivers' types.
 * Parameters: `Date` → ISO-8601 text (the stored timestamp format, `engine.ts`), booleans → 1/0,
 * a `Uint8Array` → a `Buffer` over the same bytes. Result cells, by column name (the schema's
 * names are the contract, `../database.ts`): timestamps (`*_at`, `at`, `end_time`, `db_now`) →
 * `Date`, the boolean columns → booleans. JSON cells are parsed earlier, from each statement's
 * column metadata (`json-columns.ts`).
 */
import type { StatementCodec } from "../codec-dialect.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const TIMESTAMPS = new Set(["at", "end_time", "db_now"]);
const BOOLEANS = new Set(["enabled", "resumable"]);

const isTimestamp = (name: string) => name.endsWith("_at") || TIMESTAMPS.has(name);

function param(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Uint8Array && !Buffer.isBuffer(v))
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

function cell(name: string, v: unknown): unknown {
  if (typeof v === "string") {
    if (isTimestamp(name) && ISO.test(v)) return new Date(v);
    return v;
  }
  if (typeof v === "number" && BOOLEANS.has(name)) return v !== 0;
  return v;
}

/** Converts parameters to SQLite's types and result cells back to the PostgreSQL drivers' types. */
export const sqliteTypes: StatementCodec = {
  encodeParams: (_sql, params) => params.map(param),
  decodeRows(_sql, rows) {
    for (const row of rows) {
      if (row === null || typeof row !== "object") continue;
      const r = row as Record<string, unknown>;
      for (const key of Object.keys(r)) r[key] = cell(key, r[key]);
    }
    return rows;
  },
};
