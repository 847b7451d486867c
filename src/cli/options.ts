/**
 * Options of the server commands (`olg dev`, `olg serve`). A public contract: `olg serve --config
 * FILE --port N [--test-mode]` stays as written, and `olg dev` accepts the official
 * `langgraphjs dev` flags (`--port`, `--host`, `--config`, `--no-browser`, `--no-reload`,
 * `-n/--n-jobs-per-worker`; `--tunnel` is refused with a reason). Help shows each default and the
 * environment variable that sets it; a flag beats the environment, which beats the config file.
 */
import { type Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../config/errors.ts";

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

/** Options shared by `dev` and `serve`. */
export function serverOptions(cmd: Command, mode: "dev" | "serve"): Command {
  const host = mode === "dev" ? "localhost" : "0.0.0.0";
  const portDefault = mode === "dev" ? "2024, or the next free port" : "2024";
  return cmd
    .option(
      "-c, --config <file>",
      "config file, or a folder holding one (default: ./open_langgraph.json, else ./langgraph.json)",
    )
    .option(
      "-p, --port <port>",
      `port to listen on (default: ${portDefault}; env: PORT; config: server.port)`,
      port,
    )
    .option("--host <host>", `interface to bind (default: ${host}; env: HOST; config: server.host)`)
    .option(
      "--database-url <url>",
      "PostgreSQL connection string (default: embedded PGlite; env: DATABASE_URL; config: database.url)",
    )
    .option(
      "--redis-url <url>",
      "Redis connection string for several replicas (default: none; env: REDIS_URL; config: redis.url)",
    )
    .option(
      "--data-dir <dir>",
      "PGlite data folder (default: .olg/data beside the config; env: OLG_DATA_DIR)",
    )
    .option("--in-memory", "keep embedded data in memory only (env: OLG_IN_MEMORY=1)")
    .option(
      "--workers <n>",
      "runs executed at once per process (default: 4 per CPU, at most the database pool less 2; env: N_JOBS_PER_WORKER; config: server.workers)",
      positive,
    )
    .option("-n, --n-jobs-per-worker <n>", "same as --workers (the official CLI's name)", positive)
    .option(
      "--log-level <level>",
      "trace|debug|info|warn|error (default: info; env: LOG_LEVEL; config: server.log_level)",
    );
}

/** Options only `olg dev` has. */
export function devOptions(cmd: Command): Command {
  return cmd
    .option("--no-reload", "do not restart on file changes")
    .option(
      "--no-browser",
      "do not open LangGraph Studio in the browser (also: BROWSER=none, CI, no terminal)",
    )
    .option(
      "--tunnel",
      "not supported: Open LangGraph never opens a public tunnel to this machine",
    );
}

/** The environment variables the server commands read, for `--help`. */
export const ENVIRONMENT_HELP = `
Environment (a flag wins over the environment, which wins over the config file):
  DATABASE_URL            PostgreSQL connection string (else embedded PGlite)
  REDIS_URL               Redis, for run streams, cancels and caches across replicas
  PORT, HOST              where to listen
  N_JOBS_PER_WORKER       runs executed at once per process (default 4 per CPU, pool-bound)
  OLG_ROLE                serve only: api, worker or all (default all); see --role
  LOG_LEVEL, LOG_JSON=1   log verbosity; JSON logs in dev (serve always logs JSON)
  OLG_DATA_DIR            PGlite data folder (default .olg/data)
  OLG_IN_MEMORY=1         PGlite in memory only
  LANGGRAPH_CONFIG        JSON keyed by graph id: config/context of each graph's assistant
  LANGGRAPH_API_URL       this server's public URL (default http://HOST:PORT)
  OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME   OpenTelemetry traces
  LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY         Langfuse traces
  The config file's "env" (a .env path or a record) fills in what the environment lacks.`;

/** `--tunnel` is accepted by the parser (so the message is ours) and refused here. */
export function refuseTunnel(opts: { tunnel?: boolean }): void {
  if (opts.tunnel) {
    throw new ConfigError(
      "--tunnel is not supported: Open LangGraph never opens a public tunnel to your machine. " +
        "Expose the port with a tunnel or reverse proxy you run yourself, and set " +
        "LANGGRAPH_API_URL to its address.",
    );
  }
}

/** `-n/--n-jobs-per-worker` is `--workers` under the official CLI's name. */
export function workersOf(opts: { workers?: number; nJobsPerWorker?: number }): number | undefined {
  return opts.workers ?? opts.nJobsPerWorker;
}
