/**
 * The `olg` command line: `dev`, `serve`, `migrate`. A public contract: keep flags stable. Commands
 * import their modules when they run, so `--help` and `migrate` never load LangChain.
 */
import { Command, InvalidArgumentError } from "commander";
import { type CliFlags, ConfigError, loadSettings } from "../config/load.ts";
import { PortInUseError } from "../http/listen.ts";

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number");
  return n;
};
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
};

function serverOptions(cmd: Command): Command {
  return cmd
    .option(
      "-c, --config <file>",
      "config file (default: open_langgraph.json, then langgraph.json)",
    )
    .option("-p, --port <port>", "port to listen on", port)
    .option("--host <host>", "interface to bind")
    .option(
      "--database-url <url>",
      "PostgreSQL connection string (default: $DATABASE_URL, else embedded PGlite)",
    )
    .option("--redis-url <url>", "Redis connection string (default: $REDIS_URL)")
    .option("--data-dir <dir>", "PGlite data folder (default: .olg/data)")
    .option("--in-memory", "keep embedded data in memory only")
    .option("--workers <n>", "concurrent runs per process", positive)
    .option("--log-level <level>", "trace|debug|info|warn|error");
}

function flagsOf(opts: Record<string, unknown>): CliFlags {
  return opts as CliFlags;
}

/** Builds the command tree. */
export function buildProgram(): Command {
  const program = new Command("olg").description(
    "Open LangGraph: a self-hosted LangGraph Platform server",
  );
  serverOptions(
    program.command("dev").description("Run on the embedded database with reload on change"),
  )
    .option("--no-reload", "do not restart on file changes")
    .action(async (opts) => {
      const { runDev } = await import("./dev.ts");
      await runDev(flagsOf(opts), opts.reload !== false);
    });
  serverOptions(program.command("serve").description("Run the production server"))
    .option("--test-mode", "enable test-only routes (POST /internal/truncate)")
    .action(async (opts) => {
      const settings = loadSettings("serve", flagsOf(opts));
      const { runServe } = await import("./serve.ts");
      await runServe(settings);
    });
  program
    .command("migrate")
    .description("Apply database migrations and exit")
    .option("-c, --config <file>", "config file")
    .option("--database-url <url>", "PostgreSQL connection string")
    .option("--data-dir <dir>", "PGlite data folder")
    .action(async (opts) => {
      const settings = loadSettings("serve", flagsOf(opts));
      const { runMigrate } = await import("./migrate.ts");
      await runMigrate(settings);
    });
  return program;
}

/** Runs the command line (after boot.ts has set up module sharing). */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PortInUseError) {
      console.error(`olg: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}
