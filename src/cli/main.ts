/**
 * The `olg` command line. A public contract: keep flags stable. Each command lives in its own module
 * and registers itself here; commands import their heavy modules (the server, the database,
 * LangChain) only when they run, so `--help`, `--version` and completion answer quickly. Exit codes
 * are those of `./errors.ts`.
 */
import tab from "@bomb.sh/tab/commander";
import { Command, CommanderError, Option } from "commander";
import { ConfigError } from "../config/errors.ts";
import type { CliFlags } from "../config/load.ts";
import { requireConfigFile } from "../config/locate.ts";
import { SERVER_ROLES } from "../config/roles.ts";
import { PortInUseError } from "../http/listen.ts";
import { registerDeploy } from "./deploy.ts";
import { registerDockerfile } from "./dockerfile.ts";
import { CliError, EXIT } from "./errors.ts";
import { registerGraph } from "./graph.ts";
import { examples } from "./help.ts";
import { registerInit } from "./init.ts";
import { registerLogs } from "./logs.ts";
import { registerMigrate } from "./migrate.ts";
import { devOptions, ENVIRONMENT_HELP, refuseTunnel, serverOptions, workersOf } from "./options.ts";
import { registerTenancy } from "./tenancy.ts";
import { registerTest } from "./test.ts";
import { colorErr } from "./ui/term.ts";
import { packageInfo } from "./version.ts";

function flagsOf(opts: Record<string, unknown>): CliFlags {
  const { nJobsPerWorker: _n, reload: _r, browser: _b, tunnel: _t, ...flags } = opts;
  return { ...flags, workers: workersOf(opts) } as CliFlags;
}

/** Builds the command tree. */
export function buildProgram(): Command {
  const program = new Command("olg")
    .description("Open LangGraph: a self-hosted LangGraph Platform server")
    .version(packageInfo().version, "-v, --version", "print the version")
    // A subcommand's options belong to it (`olg migrate status --json` is the status's --json).
    .enablePositionalOptions()
    .showHelpAfterError(colorErr.dim("(add --help for usage and examples)"))
    .configureOutput({ outputError: (text, write) => write(colorErr.red(text)) });
  devOptions(
    serverOptions(
      program.command("dev").description("Run on the embedded database with reload on change"),
      "dev",
    ),
  )
    .addHelpText("after", ENVIRONMENT_HELP)
    .action(async (opts) => {
      refuseTunnel(opts);
      requireConfigFile(process.cwd(), opts.config);
      const { runDev } = await import("./dev.ts");
      await runDev(flagsOf(opts), { reload: opts.reload !== false, browser: opts.browser });
    });
  serverOptions(program.command("serve").description("Run the production server"), "serve")
    .option("--test-mode", "enable test-only routes (POST /internal/truncate)")
    .addHelpText("after", ENVIRONMENT_HELP)
    .addOption(
      new Option(
        "--role <role>",
        "api: serve HTTP and enqueue runs; worker: execute runs and crons (serves only /ok, " +
          "/ready, /metrics); all: both (default: $OLG_ROLE, else all)",
      ).choices(SERVER_ROLES),
    )
    .action(async (opts) => {
      requireConfigFile(process.cwd(), opts.config);
      const { loadSettings } = await import("../config/load.ts");
      const settings = loadSettings("serve", flagsOf(opts));
      const { runServe } = await import("./serve.ts");
      await runServe(settings);
    });
  registerInit(program);
  registerGraph(program);
  registerDeploy(program);
  registerMigrate(program);
  registerLogs(program);
  registerTest(program);
  registerTenancy(program);
  registerDockerfile(program);
  examples(program, [
    ["olg dev", "serve the project in this folder on the embedded database"],
    ["olg init my-agent --template react --yes", "scaffold a new project"],
    ["olg test", "run the scenarios under tests/"],
    ["olg dockerfile --add-docker-compose", "write a Dockerfile and docker-compose.yml"],
    ["olg completion bash >> ~/.bashrc", "tab completion"],
  ]);
  // `olg completion <shell>` prints the script; the shell calls `olg complete -- <words>`.
  tab(program, { completionCommandName: "completion" });
  for (const cmd of program.commands) cmd.exitOverride();
  program.exitOverride();
  return program;
}

/** Runs the command line (after boot.ts has set up module sharing). */
export async function main(argv: string[]): Promise<void> {
  // `olg … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.ok);
    throw error;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exit(exitCodeOf(error));
  }
}

/** Reports an error the way scripts expect (one line on stderr) and returns its exit code. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; usage mistakes become EXIT.usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    console.error(colorErr.red(`olg: ${error.message}`));
    if (error.hint) console.error(colorErr.dim(error.hint));
    return error.exitCode;
  }
  if (error instanceof ConfigError || error instanceof PortInUseError) {
    console.error(colorErr.red(`olg: ${error.message}`));
    return EXIT.usage;
  }
  console.error(error);
  return EXIT.failed;
}
