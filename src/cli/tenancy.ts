/**
 * `olg org create` and `olg keys create`: bootstrap tenancy on the database the server uses
 * (`$DATABASE_URL`, or the PGlite data folder while no server holds it). The first admin key is
 * made this way; later ones through the admin API (`POST /admin/api/keys`).
 */
import type { Command } from "commander";
import type { CliFlags } from "../config/load.ts";
import { examples } from "./help.ts";

interface DbOptions extends CliFlags {
  json?: boolean;
}

/** Only the database flags reach the settings (`--role` here is a key's role, not a server's). */
const loadSettings = async (opts: DbOptions) =>
  (await import("../config/load.ts")).loadSettings("serve", {
    config: opts.config,
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
  });
const impl = () => import("./tenancy-run.ts");

function databaseOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file")
    .option("--database-url <url>", "PostgreSQL connection string (default: $DATABASE_URL)")
    .option("--data-dir <dir>", "PGlite data folder (default: .olg/data)")
    .option("--json", "print the result as JSON");
}

/** Adds `org create` and `keys create` to the program. */
export function registerTenancy(program: Command): void {
  const org = program.command("org").description("Organizations (tenancy)");
  examples(org, [["olg org create Acme --id acme", "create an organization"]]);
  const create = databaseOptions(org.command("create <name>"))
    .description("Create an organization")
    .option("--id <org_id>", "its id (default: a new UUID)")
    .action(async (name: string, opts: DbOptions & { id?: string }) =>
      (await impl()).createOrg(await loadSettings(opts), {
        name,
        id: opts.id,
        json: opts.json === true,
      }),
    );
  examples(create, [["olg org create Acme --id acme", "an organization with the id acme"]]);
  const keys = program.command("keys").description("API keys (tenancy)");
  examples(keys, [["olg keys create --org acme --role developer", "a key for the org acme"]]);
  const createKey = databaseOptions(keys.command("create"))
    .description("Create an API key; its secret is printed once")
    .requiredOption("--org <org_id>", "the organization (default install: default)")
    .option("--name <name>", "a label", "cli")
    .option("--role <role>", "admin, developer, api_user or viewer", "admin")
    .option("--scopes <list>", "comma-separated resource:action scopes narrowing the role")
    .option("--expires-in-days <n>", "expiry, in days from now")
    .action(async (opts: DbOptions & Record<string, string | undefined>) =>
      (await impl()).createKey(await loadSettings(opts), {
        org: opts.org!,
        name: opts.name ?? "cli",
        role: opts.role ?? "admin",
        scopes: opts.scopes
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        expiresInDays: opts.expiresInDays != null ? Number(opts.expiresInDays) : undefined,
        json: opts.json === true,
      }),
    );
  examples(createKey, [["olg keys create --org default --role admin", "the first admin key"]]);
}
