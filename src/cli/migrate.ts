/** `olg migrate`: apply migrations as a separate deploy step, then exit. */
import type { Settings } from "../config/load.ts";
import { migrate } from "../storage/migrate.ts";
import { openPGlite } from "../storage/pglite/open.ts";
import { openPostgres } from "../storage/postgres/open.ts";

/** Applies pending migrations and reports which. */
export async function runMigrate(settings: Settings): Promise<void> {
  const handle = settings.databaseUrl
    ? await openPostgres(settings.databaseUrl, 1)
    : await openPGlite(settings.dataDir);
  try {
    const applied = await migrate(handle.db);
    console.log(
      applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database is up to date.",
    );
  } finally {
    await handle.close();
  }
}
