/**
 * Settings read from the environment (with the file as fallback): `LANGGRAPH_CONFIG`, telemetry
 * (OTLP, Langfuse), Studio keys, encryption keys, the server role, and number parsing that names
 * the variable on error (`ConfigError`).
 */
import path from "node:path";
import { z } from "zod";
import { sha256Hex } from "../auth/studio.ts";
import type { EncryptionSettings } from "../encryption/setup.ts";
import { ConfigError } from "./errors.ts";
import { SERVER_ROLES, type ServerRole } from "./roles.ts";
import type { ConfigFile } from "./schema.ts";
import type { CliFlags, SystemAssistantDefaults, TelemetrySettings } from "./settings.ts";

const langgraphConfigSchema = z.record(
  z.string(),
  z
    .object({
      configurable: z.record(z.string(), z.unknown()).optional(),
      context: z.unknown().optional(),
    })
    .loose(),
);

export function parseLanggraphConfig(value: string | undefined): SystemAssistantDefaults {
  if (!value) return {};
  try {
    return langgraphConfigSchema.parse(JSON.parse(value)) as SystemAssistantDefaults;
  } catch (error) {
    throw new ConfigError(`LANGGRAPH_CONFIG: invalid (${(error as Error).message})`);
  }
}

export const intFrom = (name: string, value: string | undefined): number | undefined => {
  if (value == null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`${name}: expected a positive integer, got "${value}"`);
  return n;
};

/** OTLP traces URL: the per-signal env var as is, else the base URL (env, then config) + `/v1/traces`. */
export function telemetrySettings(
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

export const numberFrom = (name: string, value: string | undefined): number | undefined => {
  if (value == null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(`${name}: expected a non-negative number, got "${value}"`);
  return n;
};

/** Digests of the Studio keys: those listed in the file plus the keys in `auth.studio.api_keys_env`. */
export function studioKeyDigests(file: ConfigFile, env: NodeJS.ProcessEnv): string[] {
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
export function encryptionSettings(file: ConfigFile, env: NodeJS.ProcessEnv): EncryptionSettings {
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
export function roleFrom(
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
