/**
 * better-sqlite3, loaded on demand (an optional peer dependency the project installs for SQLite; its
 * native build needs a compiler and Node's headers; without it every other engine still works and
 * SQLite refuses with this error).
 */
import { createRequire } from "node:module";
import type { SqliteDatabase } from "kysely";

/** The part of a better-sqlite3 `Database` we use. */
export interface NativeSqlite extends SqliteDatabase {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): unknown;
  function(
    name: string,
    options: { deterministic?: boolean; varargs?: boolean },
    fn: (...args: any[]) => unknown,
  ): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

type NativeConstructor = new (file: string, options?: { timeout?: number }) => NativeSqlite;

/** Opens `file` (`:memory:` for a private in-memory database) with better-sqlite3. */
export function openNative(file: string, busyTimeoutMs: number): NativeSqlite {
  let Database: NativeConstructor;
  try {
    Database = createRequire(import.meta.url)("better-sqlite3") as NativeConstructor;
  } catch (error) {
    throw new Error(
      "DATABASE_URL names SQLite, but better-sqlite3 is not installed or its native build failed " +
        "(install it in the project: `npm i better-sqlite3@12`; it needs a C++ compiler and Node's headers, see docs/databases.md)",
      { cause: error },
    );
  }
  return new Database(file, { timeout: busyTimeoutMs });
}
