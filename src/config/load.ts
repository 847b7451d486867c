/**
 * Reads the configuration: CLI flag > environment > config file > default. The only module (with
 * the CLI) that reads `process.env`; everything else receives a `Settings` object. The file is
 * parsed in `parse.ts`, environment-only settings in `env-settings.ts`, the shapes are in
 * `settings.ts`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_INPUT_LIMITS } from "../core/limits.ts";
import { artifactSettings } from "./artifacts.ts";
import {
  encryptionSettings,
  intFrom,
  numberFrom,
  parseLanggraphConfig,
  roleFrom,
  studioKeyDigests,
  telemetrySettings,
} from "./env-settings.ts";
import { findConfigFile } from "./locate.ts";
import { applyConfigEnv, parseConfigFile, parseGraphEntries } from "./parse.ts";
import { configFileSchema } from "./schema.ts";
import type { CliFlags, Settings } from "./settings.ts";
import { webhookSettings } from "./webhooks.ts";

// Kept in small modules of their own so the command line can find a config file, and offer the
// roles, without loading the config schema (zod) at every start.
export { ConfigError } from "./errors.ts";
export { findConfigFile, requireConfigFile } from "./locate.ts";
export { applyConfigEnv, parseConfigFile, parseGraphEntries } from "./parse.ts";
export { SERVER_ROLES, type ServerRole } from "./roles.ts";
export type {
  CliFlags,
  GraphEntry,
  Settings,
  SystemAssistantDefaults,
  TelemetrySettings,
} from "./settings.ts";

/** Resolves the settings for `mode` from flags, the environment and the config file. */
export function loadSettings(
  mode: "dev" | "serve",
  flags: CliFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Settings {
  const configPath = findConfigFile(cwd, flags.config);
  const file = configPath
    ? parseConfigFile(
        readFileSync(configPath, "utf-8"),
        path.relative(cwd, configPath) || configPath,
      )
    : configFileSchema.parse({});
  const projectDir = configPath ? path.dirname(configPath) : cwd;
  applyConfigEnv(file, projectDir, env);

  const port = flags.port ?? intFrom("PORT", env.PORT) ?? file.server?.port ?? 2024;
  const host =
    flags.host ?? env.HOST ?? file.server?.host ?? (mode === "dev" ? "localhost" : "0.0.0.0");
  const databaseUrl = flags.databaseUrl ?? env.DATABASE_URL ?? file.database?.url ?? null;
  const inMemory = flags.inMemory ?? env.OLG_IN_MEMORY === "1";
  const dataDir = inMemory
    ? null
    : path.resolve(
        projectDir,
        flags.dataDir ?? env.OLG_DATA_DIR ?? file.database?.data_dir ?? ".olg/data",
      );
  const apiHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;

  return {
    mode,
    role: roleFrom(mode, flags, env, databaseUrl || null),
    cwd: projectDir,
    configPath,
    file,
    graphs: parseGraphEntries(file, projectDir),
    host,
    port,
    portExplicit: flags.port != null || !!env.PORT || file.server?.port != null,
    databaseUrl: databaseUrl || null,
    dataDir,
    pgliteThread: env.OLG_PGLITE_THREAD === "main" ? "main" : "worker",
    redisUrl: flags.redisUrl ?? env.REDIS_URL ?? file.redis?.url ?? null,
    testMode: flags.testMode ?? env.OLG_TEST_MODE === "1",
    warmSchemas: env.OLG_WARM_SCHEMAS
      ? env.OLG_WARM_SCHEMAS !== "0"
      : (file.server?.warm_schemas ?? true),
    workers:
      flags.workers ??
      intFrom("N_JOBS_PER_WORKER", env.N_JOBS_PER_WORKER) ??
      file.server?.workers ??
      null,
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? file.server?.log_level ?? "info",
    prettyLogs: mode === "dev" && env.LOG_JSON !== "1",
    bodyLimit: file.http?.body_limit ?? 10 * 1024 * 1024,
    inputLimits: {
      jsonMaxDepth: file.http?.limits?.json_max_depth ?? DEFAULT_INPUT_LIMITS.jsonMaxDepth,
      metadataMaxKeys: file.http?.limits?.metadata_max_keys ?? DEFAULT_INPUT_LIMITS.metadataMaxKeys,
      metadataMaxDepth:
        file.http?.limits?.metadata_max_depth ?? DEFAULT_INPUT_LIMITS.metadataMaxDepth,
      metadataMaxBytes:
        file.http?.limits?.metadata_max_bytes ?? DEFAULT_INPUT_LIMITS.metadataMaxBytes,
      listMaxItems: file.http?.limits?.list_max_items ?? DEFAULT_INPUT_LIMITS.listMaxItems,
    },
    systemAssistantDefaults: parseLanggraphConfig(env.LANGGRAPH_CONFIG),
    apiUrl: env.LANGGRAPH_API_URL ?? `http://${apiHost}:${port}`,
    runLeaseSeconds:
      numberFrom("OLG_RUN_LEASE_SECONDS", env.OLG_RUN_LEASE_SECONDS) ||
      file.server?.run_lease_seconds ||
      30,
    runDrainSeconds:
      numberFrom("OLG_RUN_DRAIN_SECONDS", env.OLG_RUN_DRAIN_SECONDS) ??
      file.server?.run_drain_seconds ??
      20,
    telemetry: telemetrySettings(file, env, projectDir),
    drainDelaySeconds:
      numberFrom("OLG_DRAIN_DELAY_SECONDS", env.OLG_DRAIN_DELAY_SECONDS) ??
      file.server?.drain_delay_seconds ??
      0,
    webhooks: webhookSettings(file, env),
    studioKeyDigests: studioKeyDigests(file, env),
    encryption: encryptionSettings(file, env),
    artifacts: artifactSettings(file.artifacts, env, projectDir, dataDir),
  };
}
