/**
 * Resolves the `webhooks` section (or the `LANGGRAPH_WEBHOOKS` JSON, as the platform's container
 * receives it) into delivery settings. `${{ env.VAR }}` templates in `headers` and
 * `signing_secret` are expanded here, once, at start-up; only variables starting with
 * `env_prefix` (default `LG_WEBHOOK_`) may be referenced, and a missing one stops the server.
 */

import type { WebhookSettings } from "../webhooks/dispatcher.ts";
import { DEFAULT_POLICY } from "../webhooks/policy.ts";
import { ConfigError } from "./errors.ts";
import { type ConfigFile, type WebhooksConfig, webhooksSchema } from "./schema.ts";

const TEMPLATE = /\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Expands `${{ env.VAR }}` templates, refusing variables outside `prefix`. */
export function expandEnvTemplates(
  value: string,
  prefix: string,
  env: NodeJS.ProcessEnv,
  where: string,
): string {
  return value.replace(TEMPLATE, (_, name: string) => {
    if (!name.startsWith(prefix))
      throw new ConfigError(`${where}: env.${name} is not allowed (must start with "${prefix}")`);
    const v = env[name];
    if (v == null || v === "") throw new ConfigError(`${where}: env.${name} is not set`);
    return v;
  });
}

function sectionFrom(file: ConfigFile, env: NodeJS.ProcessEnv): WebhooksConfig | undefined {
  const raw = env.LANGGRAPH_WEBHOOKS;
  if (!raw) return file.webhooks;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`LANGGRAPH_WEBHOOKS: not valid JSON (${(error as Error).message})`);
  }
  const result = webhooksSchema.safeParse(parsed);
  if (!result.success) throw new ConfigError(`LANGGRAPH_WEBHOOKS: ${result.error.message}`);
  return result.data;
}

/** The delivery settings of this server. */
export function webhookSettings(file: ConfigFile, env: NodeJS.ProcessEnv): WebhookSettings {
  const cfg = sectionFrom(file, env);
  const prefix = cfg?.env_prefix ?? "LG_WEBHOOK_";
  const url = cfg?.url ?? {};
  const headers = Object.fromEntries(
    Object.entries(cfg?.headers ?? {}).map(([k, v]) => [
      k,
      expandEnvTemplates(v, prefix, env, `webhooks.headers.${k}`),
    ]),
  );
  const secret = cfg?.signing_secret
    ? expandEnvTemplates(cfg.signing_secret, prefix, env, "webhooks.signing_secret")
    : null;
  return {
    disabled: file.http?.disable_webhooks ?? false,
    policy: {
      requireHttps: url.require_https ?? DEFAULT_POLICY.requireHttps,
      allowedDomains: url.allowed_domains ?? [],
      allowedPorts: url.allowed_ports ?? [],
      maxUrlLength: url.max_url_length ?? DEFAULT_POLICY.maxUrlLength,
      disableLoopback: url.disable_loopback ?? DEFAULT_POLICY.disableLoopback,
      allowedNetworks: url.allowed_networks ?? [],
    },
    headers,
    signingSecret: secret,
    maxAttempts: cfg?.max_attempts ?? 5,
    initialDelayMs: cfg?.retry_initial_delay_ms ?? 1000,
    maxDelayMs: cfg?.retry_max_delay_ms ?? 60_000,
    timeoutMs: cfg?.timeout_ms ?? 10_000,
  };
}
