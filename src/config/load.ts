/**
 * Reads the configuration: CLI flag > environment > config file > default. The only module (with
 * the CLI) that reads `process.env`; everything else receives a `Settings` object.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv, populate } from "dotenv";
import { z } from "zod";
import { sha256Hex } from "../auth/studio.ts";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../core/limits.ts";
import type { EncryptionSettings } from "../encryption/setup.ts";
import type { WebhookSettings } from "../webhooks/dispatcher.ts";
import { type ArtifactSettings, artifactSettings } from "./artifacts.ts";
import { ConfigError } from "./errors.ts";
import { findConfigFile } from "./locate.ts";
import { SERVER_ROLES, type ServerRole } from "./roles.ts";
import { type ConfigFile, configFileSchema, type EndpointSpec } from "./schema.ts";
import { webhookSettings } from "./webhooks.ts";

// Kept in small modules of their own so the command line can find a config file, and offer the
// roles, without loading the config schema (zod) at every start.
export { findConfigFile, requireConfigFile } from "./locate.ts";

/** A graph to load: module file, export name and optional extras. */
export interface GraphEntry {
  graphId: string;
  file: string;
  exportName: string;
  description?: string;
  endpoints: EndpointSpec[];
}

/** Per-graph defaults for the system assistant, from `LANGGRAPH_CONFIG`. */
export type SystemAssistantDefaults = Record<
  string,
  { configurable?: Record<string, unknown>; context?: unknown }
>;

export { SERVER_ROLES, type ServerRole } from "./roles.ts";

/** Everything the server needs to start, fully resolved. */
export interface Settings {
  mode: "dev" | "serve";
  /** `--role` / `OLG_ROLE` (serve only; dev is always `all`). */
  role: ServerRole;
  cwd: string;
  configPath: string | null;
  file: ConfigFile;
  graphs: GraphEntry[];
  host: string;
  port: number;
  /** Whether the port was chosen by a flag, PORT or the file (dev may move off a busy default). */
  portExplicit: boolean;
  /** PostgreSQL connection string; when absent we use PGlite. */
  databaseUrl: string | null;
  /** PGlite data folder; null keeps data in memory. */
  dataDir: string | null;
  redisUrl: string | null;
  testMode: boolean;
  /** Compute graph schemas in the background at start-up. */
  warmSchemas: boolean;
  workers: number;
  logLevel: string;
  prettyLogs: boolean;
  bodyLimit: number;
  /** Depth, number and metadata limits of JSON bodies (`http.limits`). */
  inputLimits: InputLimits;
  systemAssistantDefaults: SystemAssistantDefaults;
  apiUrl: string;
  /** Run lease in seconds (`server.run_lease_seconds`, `OLG_RUN_LEASE_SECONDS`; default 30). */
  runLeaseSeconds: number;
  /** Drain deadline for in-flight runs on shutdown (`server.run_drain_seconds`; default 20). */
  runDrainSeconds: number;
  telemetry: TelemetrySettings;
  /** Seconds `/ready` fails before the drain starts on SIGTERM. */
  drainDelaySeconds: number;
  /** Webhook delivery: URL policy, headers, signing, retries. */
  webhooks: WebhookSettings;
  /** SHA-256 digests of the LangSmith keys Studio may present (`auth.studio`); empty = exemption off. */
  studioKeyDigests: string[];
  /** At-rest encryption (`LANGGRAPH_AES_*`, `encryption.path`). */
  encryption: EncryptionSettings;
  /** Artifacts: backend, limits, presigned URLs, retention (`artifacts`, `OLG_ARTIFACTS_*`). */
  artifacts: ArtifactSettings;
}

/** Tracing and Langfuse settings. */
export interface TelemetrySettings {
  serviceName: string;
  /** Full OTLP/HTTP traces URL; null disables OpenTelemetry export. */
  otlpTracesUrl: string | null;
  /** From `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`). */
  otlpHeaders: Record<string, string>;
  langfuse: { publicKey: string; secretKey: string; baseUrl?: string } | null;
  /** Absolute `file[:export]` of the error hook, or null. */
  errorHook: string | null;
}

/** Flags given on the command line; undefined means "not given". */
export interface CliFlags {
  config?: string;
  port?: number;
  host?: string;
  databaseUrl?: string;
  redisUrl?: string;
  dataDir?: string;
  inMemory?: boolean;
  testMode?: boolean;
  workers?: number;
  logLevel?: string;
  role?: string;
}

export { ConfigError };

/** Levenshtein distance, to suggest the key an unknown one was probably meant to be. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}

/** The known key closest to `key`, when close enough to be a typo. */
function suggestion(key: string, known: string[]): string | undefined {
  const best = known
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** Known keys at `at` (a path into the file), for suggestions. */
function knownKeysAt(at: PropertyKey[]): string[] {
  if (at.length === 0) return Object.keys(configFileSchema.shape);
  if (at.length === 2 && at[0] === "graphs") return ["path", "module", "description", "endpoints"];
  return [];
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const near = suggestion(key, knownKeysAt(issue.path));
      const where = at ? ` in "${at}"` : "";
      return `  - unknown key "${key}"${where}${near ? ` (did you mean "${near}"?)` : ""}`;
    });
  }
  if (issue.code === "invalid_union" && issue.path[0] === "graphs") {
    // A graph entry is a "./file.ts:export" string or an object; report the object's problems.
    const objectIssues = issue.errors.at(-1) ?? [];
    const nested = objectIssues.flatMap((i) =>
      describeIssue({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue),
    );
    if (nested.length > 0) return nested;
  }
  return [`  - ${at || "(root)"}: ${issue.message}`];
}

/** Parses and validates the file, naming the bad key on failure. */
export function parseConfigFile(text: string, where: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const result = configFileSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.flatMap(describeIssue);
    throw new ConfigError(`${where}: invalid configuration\n${lines.join("\n")}`);
  }
  return result.data;
}

/** Splits `"./file.ts:export"` into file and export (default export name `graph`? no: required). */
export function parseGraphEntries(file: ConfigFile, cwd: string): GraphEntry[] {
  return Object.entries(file.graphs).map(([graphId, spec]) => {
    const raw = typeof spec === "string" ? spec : (spec.path ?? spec.module);
    if (!raw) throw new ConfigError(`graphs.${graphId}: needs "path" ("./file.ts:export")`);
    const idx = raw.lastIndexOf(":");
    const hasExport = idx > 1 && !raw.slice(idx).includes("/");
    const modulePath = hasExport ? raw.slice(0, idx) : raw;
    const exportName = hasExport ? raw.slice(idx + 1) : "default";
    return {
      graphId,
      file: path.resolve(cwd, modulePath),
      exportName,
      description: typeof spec === "string" ? undefined : spec.description,
      endpoints: typeof spec === "string" ? [] : (spec.endpoints ?? []),
    };
  });
}

/** Applies the config's `env` (a .env path or a record) without overriding the real environment. */
export function applyConfigEnv(file: ConfigFile, cwd: string, env: NodeJS.ProcessEnv): void {
  const spec = file.env;
  if (spec == null) return;
  if (typeof spec === "string") {
    const envPath = path.resolve(cwd, spec);
    if (!existsSync(envPath)) return;
    populate(env as Record<string, string>, parseDotenv(readFileSync(envPath, "utf-8")));
  } else if (!Array.isArray(spec)) {
    populate(env as Record<string, string>, spec);
  }
}

const langgraphConfigSchema = z.record(
  z.string(),
  z
    .object({
      configurable: z.record(z.string(), z.unknown()).optional(),
      context: z.unknown().optional(),
    })
    .loose(),
);

function parseLanggraphConfig(value: string | undefined): SystemAssistantDefaults {
  if (!value) return {};
  try {
    return langgraphConfigSchema.parse(JSON.parse(value)) as SystemAssistantDefaults;
  } catch (error) {
    throw new ConfigError(`LANGGRAPH_CONFIG: invalid (${(error as Error).message})`);
  }
}

const intFrom = (name: string, value: string | undefined): number | undefined => {
  if (value == null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`${name}: expected a positive integer, got "${value}"`);
  return n;
};

/** OTLP traces URL: the per-signal env var as is, else the base URL (env, then config) + `/v1/traces`. */
function telemetrySettings(
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  projectDir: string,
): TelemetrySettings {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT || file.telemetry?.otlp_endpoint;
  const otlpTracesUrl =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (base ? `${base.replace(/\/+$/, "")}/v1/traces` : null);
  const otlpHeaders = Object.fromEntries(
    (env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",").flatMap((pair): [string, string][] => {
      const eq = pair.indexOf("=");
      if (eq <= 0) return [];
      const key = decodeURIComponent(pair.slice(0, eq).trim());
      return [[key, decodeURIComponent(pair.slice(eq + 1).trim())]];
    }),
  );
  const publicKey = env.LANGFUSE_PUBLIC_KEY;
  const secretKey = env.LANGFUSE_SECRET_KEY;
  const baseUrl = env.LANGFUSE_BASEURL || env.LANGFUSE_BASE_URL || env.LANGFUSE_HOST || undefined;
  return {
    serviceName: env.OTEL_SERVICE_NAME || file.telemetry?.service_name || "open-langgraph",
    otlpTracesUrl,
    otlpHeaders,
    langfuse: publicKey && secretKey ? { publicKey, secretKey, baseUrl } : null,
    errorHook: file.telemetry?.error_hook
      ? path.resolve(projectDir, file.telemetry.error_hook)
      : null,
  };
}

const numberFrom = (name: string, value: string | undefined): number | undefined => {
  if (value == null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(`${name}: expected a non-negative number, got "${value}"`);
  return n;
};

/** Digests of the Studio keys: those listed in the file plus the keys in `auth.studio.api_keys_env`. */
function studioKeyDigests(file: ConfigFile, env: NodeJS.ProcessEnv): string[] {
  const studio = file.auth?.studio;
  if (!studio || file.auth?.disable_studio_auth) return [];
  const fromEnv = studio.api_keys_env ? (env[studio.api_keys_env] ?? "") : "";
  const keys = fromEnv
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  return [...(studio.api_key_sha256 ?? []), ...keys.map(sha256Hex)];
}

const csv = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** `LANGGRAPH_AES_KEY` (+ `LANGGRAPH_AES_FALLBACK_KEYS`, `LANGGRAPH_AES_LEGACY_KEY`), JSON keys, `encryption.path`. */
function encryptionSettings(file: ConfigFile, env: NodeJS.ProcessEnv): EncryptionSettings {
  const fromEnv = env.LANGGRAPH_ENCRYPTION
    ? (JSON.parse(env.LANGGRAPH_ENCRYPTION) as { path?: string })
    : undefined;
  const aesKey = env.LANGGRAPH_AES_KEY || null;
  if (aesKey && ![16, 24, 32].includes(Buffer.byteLength(aesKey, "utf8")))
    throw new ConfigError("LANGGRAPH_AES_KEY must be 16, 24, or 32 bytes long.");
  const fallbackKeys = [
    ...csv(env.LANGGRAPH_AES_FALLBACK_KEYS),
    ...csv(env.LANGGRAPH_AES_LEGACY_KEY),
  ];
  for (const k of fallbackKeys)
    if (![16, 24, 32].includes(Buffer.byteLength(k, "utf8")))
      throw new ConfigError(
        "LANGGRAPH_AES_FALLBACK_KEYS: every key must be 16, 24, or 32 bytes long.",
      );
  return {
    aesKey,
    fallbackKeys,
    jsonKeys: csv(env.LANGGRAPH_AES_JSON_KEYS),
    modulePath: fromEnv?.path ?? file.encryption?.path ?? null,
  };
}

/** `--role`, else `OLG_ROLE`, else `all`; split roles need the shared PostgreSQL. */
function roleFrom(
  mode: "dev" | "serve",
  flags: CliFlags,
  env: NodeJS.ProcessEnv,
  databaseUrl: string | null,
): ServerRole {
  const raw = mode === "dev" ? "all" : (flags.role ?? (env.OLG_ROLE || "all"));
  const role = SERVER_ROLES.find((r) => r === raw);
  if (!role)
    throw new ConfigError(
      `${flags.role != null ? "--role" : "OLG_ROLE"}: expected one of ${SERVER_ROLES.join(", ")}, got "${raw}"`,
    );
  if (role !== "all" && !databaseUrl)
    throw new ConfigError(
      `--role ${role} needs PostgreSQL (DATABASE_URL or --database-url): api and worker processes share ` +
        "their queue through it, and the embedded database serves a single process (use --role all)",
    );
  return role;
}

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
    redisUrl: flags.redisUrl ?? env.REDIS_URL ?? file.redis?.url ?? null,
    testMode: flags.testMode ?? env.OLG_TEST_MODE === "1",
    warmSchemas: env.OLG_WARM_SCHEMAS
      ? env.OLG_WARM_SCHEMAS !== "0"
      : (file.server?.warm_schemas ?? true),
    workers:
      flags.workers ??
      intFrom("N_JOBS_PER_WORKER", env.N_JOBS_PER_WORKER) ??
      file.server?.workers ??
      10,
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
