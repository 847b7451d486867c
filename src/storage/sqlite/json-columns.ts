/**
 * Which result columns of a SQLite statement hold JSON documents, decided from the statement's
 * own column metadata (better-sqlite3 `Statement.columns()`: declared type, origin table and
 * column), so a JSON column is parsed under any alias and a same-named non-JSON column is not:
 * - a column declared `JSON` / `JSONB` (any table, e.g. one a test creates) is JSON;
 * - a column read straight from a table is JSON when `JSON_COLUMNS` lists it for that table (the
 *   schema's jsonb columns on PostgreSQL, stored as TEXT here, `migrations.ts`);
 * - an expression (no origin column) is JSON when its name is one of those column names (what a
 *   query selecting `json_set(metadata, …) AS metadata` means).
 * JSON cells are parsed here, below the types and escaping codecs (`open.ts`), as `pg` returns jsonb.
 */
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** The JSON columns of each table (jsonb on PostgreSQL). `run_events.data` is text there too. */
const JSON_COLUMNS: Record<string, readonly string[]> = {
  assistants: ["config", "context", "metadata"],
  assistant_versions: ["config", "context", "metadata"],
  threads: ["metadata", "config", "values", "interrupts", "error"],
  runs: ["metadata", "kwargs"],
  checkpoints: ["checkpoint", "metadata"],
  store_items: ["value"],
  crons: ["payload", "metadata", "auth"],
  webhook_dead_letters: ["payload"],
  artifacts: ["metadata"],
  organizations: ["metadata", "quotas"],
  api_keys: ["scopes", "quotas"],
};

/** Names an expression may carry to be read as JSON (every JSON column name but `value`). */
const JSON_NAMES = new Set(
  Object.values(JSON_COLUMNS)
    .flat()
    .filter((n) => n !== "value"),
);

/** One result column as better-sqlite3 describes it. */
interface ColumnInfo {
  name: string;
  column: string | null;
  table: string | null;
  type: string | null;
}

/** Whether result column `c` holds a JSON document. */
export function isJsonColumn(c: ColumnInfo): boolean {
  if (c.type && /^jsonb?$/i.test(c.type)) return true;
  if (c.table && c.column) return JSON_COLUMNS[c.table]?.includes(c.column) ?? false;
  return JSON_NAMES.has(c.name);
}

function parseCells(row: unknown, names: readonly string[]): unknown {
  if (row === null || typeof row !== "object") return row;
  const r = row as Record<string, unknown>;
  for (const name of names) {
    const v = r[name];
    if (typeof v !== "string") continue;
    try {
      r[name] = JSON.parse(v);
    } catch {
      // not JSON text (a legacy row): left as the text it is
    }
  }
  return r;
}

/** `stmt` with the JSON cells of its rows parsed (`all`, `iterate`); writes pass through. */
function jsonStatement(stmt: SqliteStatement): SqliteStatement {
  if (!stmt.reader) return stmt;
  const names = (stmt as unknown as { columns(): ColumnInfo[] })
    .columns()
    .filter(isJsonColumn)
    .map((c) => c.name);
  if (names.length === 0) return stmt;
  return {
    reader: true,
    all: (parameters) => stmt.all(parameters).map((row) => parseCells(row, names)),
    run: (parameters) => stmt.run(parameters),
    *iterate(parameters) {
      for (const row of stmt.iterate(parameters)) yield parseCells(row, names);
    },
  };
}

/** The database Kysely's SqliteDialect drives: statements read their JSON columns as values. */
export function jsonReadingDatabase(native: SqliteDatabase): SqliteDatabase {
  return {
    close: () => native.close(),
    prepare: (sql) => jsonStatement(native.prepare(sql)),
  };
}
