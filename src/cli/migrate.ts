/**
 * `olg migrate`: apply migrations as a separate deploy step (`--dry-run` prints the SQL instead),
 * and `olg migrate status`: which migrations are applied, when, and which are pending.
 */
import type { Command } from "commander";
import { examples } from "./help.ts";
import type { MigrateOptions } from "./migrate-run.ts";

const impl = () => import("./migrate-run.ts");
/** The settings loader, imported when a command runs (the config schema is not needed for --help). */
const loadSettings = async (opts: MigrateOptions) =>
  (await import("../config/load.ts")).loadSettings("serve", opts);

function databaseOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file")
    .option("--database-url <url>", "PostgreSQL connection string (default: $DATABASE_URL)")
    .option("--data-dir <dir>", "PGlite data folder (default: .olg/data)");
}

/** Adds `migrate` and `migrate status` to the program. */
export function registerMigrate(program: Command): void {
  const cmd = databaseOptions(program.command("migrate"))
    .description("Apply database migrations and exit")
    .enablePositionalOptions()
    .option("--dry-run", "print the SQL of the pending migrations; change nothing")
    .option("--json", "print the result as JSON")
    .action(async (opts: MigrateOptions) =>
      (await impl()).runMigrate(await loadSettings(opts), opts),
    );
  examples(cmd, [
    ["olg migrate", "apply pending migrations to $DATABASE_URL or the embedded database"],
    ["olg migrate --dry-run", "print the SQL that would run"],
    ["olg migrate status --json", "applied and pending migrations, for scripts"],
  ]);
  const status = databaseOptions(cmd.command("status"))
    .description("List applied and pending migrations")
    .option("--json", "print the status as JSON")
    .option("--check", "exit 1 when a migration is pending (for deploy scripts)")
    .action(async (opts: MigrateOptions & { check?: boolean }) => {
      const states = await (await impl()).runMigrateStatus(
        await loadSettings(opts),
        opts.json === true,
      );
      if (opts.check && states.some((s) => s.appliedAt == null)) process.exitCode = 1;
    });
  examples(status, [
    ["olg migrate status", "a table of migrations"],
    ["DATABASE_URL=postgres://… olg migrate status --json", "the same for a server database"],
    ["olg migrate status --check", "exit 1 when something is pending"],
  ]);
}
