/** What `olg migrate` and `olg migrate status` do (loaded only when one of them runs). */
import { existsSync } from "node:fs";
import { sql } from "kysely";
import type { CliFlags, Settings } from "../config/load.ts";
import type { StorageHandle } from "../storage/database.ts";
import {
  MIGRATIONS,
  type MigrationState,
  migrate,
  migrationStatus,
  pendingStatements,
} from "../storage/migrate.ts";
import { openEngine } from "../storage/open.ts";
import { CliError } from "./errors.ts";
import { color, printJson, printTable, say, withSpinner } from "./ui/term.ts";

export interface MigrateOptions extends CliFlags {
  dryRun?: boolean;
  json?: boolean;
}

const where = (s: Settings) =>
  s.databaseUrl ? redact(s.databaseUrl) : `PGlite ${s.dataDir ?? "(in memory)"}`;

/** Hides the password of a connection string. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

async function open(settings: Settings): Promise<StorageHandle> {
  let handle: StorageHandle | undefined;
  try {
    handle = await openEngine({
      databaseUrl: settings.databaseUrl,
      dataDir: settings.dataDir,
      poolSize: 1,
    });
    await sql`SELECT 1`.execute(handle.db); // a pool connects lazily: fail here, not later
    return handle;
  } catch (error) {
    await handle?.close().catch(() => {});
    throw new CliError(
      `cannot open the database at ${where(settings)}: ${(error as Error).message}`,
      "unreachable",
    );
  }
}

/** An embedded database that was never created has every migration pending; do not create it. */
const fresh = (s: Settings) => !s.databaseUrl && s.dataDir != null && !existsSync(s.dataDir);

/** Applies pending migrations and reports which (or, with `dryRun`, prints what would run). */
export async function runMigrate(settings: Settings, options: MigrateOptions = {}): Promise<void> {
  if (options.dryRun) return dryRun(settings, options.json === true);
  const handle = await open(settings);
  try {
    const applied = await withSpinner(`Migrating ${where(settings)}`, () => migrate(handle.db), {
      quiet: options.json,
      done: (v) => (v.length ? `Applied ${v.length} migration(s)` : "Nothing to apply"),
    });
    if (options.json) return printJson({ database: where(settings), applied });
    console.log(
      applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database is up to date.",
    );
  } finally {
    await handle.close();
  }
}

async function dryRun(settings: Settings, json: boolean): Promise<void> {
  let plan: { version: number; name: string; statements: string[] }[];
  if (fresh(settings)) {
    plan = MIGRATIONS.map((m) => ({
      version: m.version,
      name: m.name,
      statements: m.up
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean),
    }));
  } else {
    const handle = await open(settings);
    try {
      plan = await pendingStatements(handle.db);
    } finally {
      await handle.close();
    }
  }
  if (json) return printJson({ database: where(settings), dryRun: true, pending: plan });
  if (plan.length === 0) {
    console.log("Database is up to date; nothing would run.");
    return;
  }
  console.log(color.dim(`-- dry run: ${plan.length} migration(s) would run on ${where(settings)}`));
  for (const m of plan) {
    console.log(color.bold(`-- ${String(m.version).padStart(3, "0")}_${m.name}`));
    for (const s of m.statements) console.log(`${s};`);
  }
}

/** Prints every migration with its state; `--json` for scripts. */
export async function runMigrateStatus(
  settings: Settings,
  json: boolean,
): Promise<MigrationState[]> {
  let states: MigrationState[];
  if (fresh(settings)) {
    states = MIGRATIONS.map((m) => ({ version: m.version, name: m.name, appliedAt: null }));
  } else {
    const handle = await open(settings);
    try {
      states = await migrationStatus(handle.db);
    } finally {
      await handle.close();
    }
  }
  const pending = states.filter((s) => s.appliedAt == null).length;
  if (json) {
    printJson({ database: where(settings), pending, migrations: states });
    return states;
  }
  printTable(
    ["version", "name", "status", "applied at"],
    states.map((s) => [
      s.version,
      s.name,
      s.appliedAt ? color.green("applied") : color.yellow("pending"),
      s.appliedAt?.toISOString() ?? "",
    ]),
  );
  if (pending) say.warn(`${pending} pending; run \`olg migrate\` to apply`);
  else say.ok(`${where(settings)} is up to date`);
  return states;
}
