/**
 * The one schema of `open_langgraph.json`: a superset of `langgraph.json`. Keys the official CLI
 * accepts but that only matter to its image builds (python_version, dockerfile_lines, …) are
 * accepted and ignored; everything we act on is typed here; anything else is an error.
 */
import { z } from "zod";
import { ssoSchema } from "../sso/config.ts";
import { artifactsSchema } from "./artifacts.ts";

const endpointSchema = z.object({
  path: z.string().startsWith("/"),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
  handler: z.string().min(1),
  description: z.string().optional(),
});

const graphSpecSchema = z.union([
  z.string().min(1),
  z.strictObject({
    path: z.string().min(1).optional(),
    module: z.string().min(1).optional(),
    description: z.string().optional(),
    endpoints: z.array(endpointSchema).optional(),
  }),
]);

const corsSchema = z.object({
  allow_origins: z.array(z.string()).optional(),
  allow_methods: z.array(z.string()).optional(),
  allow_headers: z.array(z.string()).optional(),
  allow_credentials: z.boolean().optional(),
  allow_origin_regex: z.string().optional(),
  expose_headers: z.array(z.string()).optional(),
  max_age: z.number().optional(),
});

/**
 * `webhooks` as in LangGraph Platform's langgraph.json, plus our extensions (marked). Unlike the
 * platform, loopback and private destinations are refused by default: relative paths need
 * `url.disable_loopback: false`, private networks need `url.allowed_networks`.
 */
export const webhooksSchema = z.object({
  /** Only `${{ env.VAR }}` with this prefix may be used in `headers` (default `LG_WEBHOOK_`). */
  env_prefix: z.string().min(1).optional(),
  url: z
    .object({
      require_https: z.boolean().optional(),
      allowed_domains: z.array(z.string().min(1)).optional(),
      allowed_ports: z.array(z.number().int().min(1).max(65535)).optional(),
      max_url_length: z.number().int().positive().optional(),
      /** Default here: true (relative in-process webhooks refused unless set to false). */
      disable_loopback: z.boolean().optional(),
      /** Extension: CIDR ranges that may be reached although private/loopback (`127.0.0.0/8`). */
      allowed_networks: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Extension: HMAC-SHA256 key for `webhook-signature` (Standard Webhooks); templates allowed. */
  signing_secret: z.string().min(1).optional(),
  /** Extension: delivery attempts (default 5), first retry delay and cap, per-attempt timeout. */
  max_attempts: z.number().int().min(1).max(20).optional(),
  retry_initial_delay_ms: z.number().int().min(0).optional(),
  retry_max_delay_ms: z.number().int().min(0).optional(),
  timeout_ms: z.number().int().positive().optional(),
});

const exposure = z.enum(["public", "authenticated", "off"]);

/**
 * Keys of `langgraph.json` that only the official CLI's image builds read (Python and Docker
 * settings, the TypeScript loader): accepted so an official project's file loads unchanged, and
 * ignored (`olg dockerfile` reads `node_version` and `dockerfile_lines`).
 */
const officialBuildKeys = {
  $schema: z.string().optional(),
  python_version: z.string().optional(),
  node_version: z.union([z.string(), z.number()]).optional(),
  pip_config_file: z.string().optional(),
  pip_installer: z.string().optional(),
  dockerfile_lines: z.array(z.string()).optional(),
  dependencies: z.array(z.string()).optional(),
  docker_compose_file: z.string().optional(),
  image_distro: z.string().optional(),
  base_image: z.string().optional(),
  keep_pkg_tools: z.union([z.boolean(), z.array(z.string())]).optional(),
  api_version: z.string().optional(),
  _INTERNAL_docker_tag: z.string().optional(),
  node_loader: z.string().optional(),
};

/**
 * Strict at the top level: an unknown key (a typo such as `"graph"`) is an error naming it, never a
 * server that silently ignores it. Every key we act on, or accept from `langgraph.json`, is here.
 */
export const configFileSchema = z.strictObject({
  ...officialBuildKeys,
  graphs: z.record(z.string(), graphSpecSchema).default({}),
  env: z.union([z.string(), z.record(z.string(), z.string()), z.array(z.string())]).optional(),
  http: z
    .object({
      app: z.string().optional(),
      cors: corsSchema.optional(),
      disable_assistants: z.boolean().default(false),
      disable_threads: z.boolean().default(false),
      disable_runs: z.boolean().default(false),
      disable_store: z.boolean().default(false),
      /** Removes the `/artifacts` routes (graphs keep their handle). */
      disable_artifacts: z.boolean().default(false),
      disable_meta: z.boolean().default(false),
      disable_ui: z.boolean().default(false),
      /** Removes the web admin UI at `/admin` (the `/admin/api/*` routes stay). */
      disable_admin: z.boolean().default(false),
      /** Removes `/mcp` (each assistant as an MCP tool). */
      disable_mcp: z.boolean().default(false),
      /** Removes `/a2a/:assistant_id` and the agent cards. */
      disable_a2a: z.boolean().default(false),
      /** Runs still execute, but no webhook is sent. */
      disable_webhooks: z.boolean().default(false),
      body_limit: z.number().int().positive().optional(),
      /** Input limits enforced at the edge on every JSON body (src/http/limits.ts). */
      limits: z
        .object({
          json_max_depth: z.number().int().min(2).max(10_000).optional(),
          metadata_max_keys: z.number().int().min(1).max(100_000).optional(),
          metadata_max_depth: z.number().int().min(1).max(1000).optional(),
          metadata_max_bytes: z.number().int().min(64).optional(),
          list_max_items: z.number().int().min(1).max(30_000).optional(),
        })
        .strict()
        .optional(),
    })
    .optional(),
  auth: z
    .object({
      path: z.string().optional(),
      disable_studio_auth: z.boolean().default(false),
      /**
       * The LangSmith API keys LangGraph Studio may present (`x-auth-scheme: langsmith` +
       * `x-api-key`) instead of passing the custom handler. Without any, the Studio exemption is
       * off. `api_keys_env` names an environment variable holding comma-separated keys;
       * `api_key_sha256` lists SHA-256 hex digests of keys (so none sit in the file).
       */
      studio: z
        .object({
          api_keys_env: z.string().min(1).optional(),
          api_key_sha256: z.array(z.string()).optional(),
        })
        .optional(),
      /**
       * Who may read `/openapi.json`, `/docs` and `/metrics`: `public`, `authenticated` (through the
       * `auth.path` module) or `off`. Default: `authenticated` when an auth module is configured
       * (they reveal routes, graph ids and traffic), else `public`. `docs` defaults to `openapi`.
       */
      openapi: exposure.optional(),
      docs: exposure.optional(),
      metrics: exposure.optional(),
    })
    .optional(),
  ui: z.record(z.string(), z.string()).optional(),
  webhooks: webhooksSchema.optional(),
  /** Custom at-rest encryption handlers: `"./file.ts:export"` (see src/encryption). */
  encryption: z.object({ path: z.string().min(1) }).optional(),
  ui_config: z.object({ shared: z.array(z.string()).optional() }).optional(),
  store: z
    .object({
      index: z
        .object({
          dims: z.number().int().positive(),
          embed: z.string(),
          fields: z.array(z.string()).optional(),
        })
        .optional(),
      ttl: z
        .object({
          refresh_on_read: z.boolean().optional(),
          default_ttl: z.number().positive().optional(),
          sweep_interval_minutes: z.number().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  /** Files and images of agents (extension): backend, limits, presigned URLs, retention. */
  artifacts: artifactsSchema.optional(),
  /**
   * Plugins: npm packages (resolved from the project folder) or `./paths`, each default-exporting an
   * `OlgPlugin` (docs/plugins.md). An entry may carry options: `{ "name": "pkg", "options": {…} }`.
   */
  plugins: z
    .array(
      z.union([
        z.string().min(1),
        z
          .object({
            name: z.string().min(1),
            options: z.record(z.string(), z.unknown()).optional(),
          })
          .strict(),
      ]),
    )
    .optional(),
  /** Organizations, API keys, roles and row-level security (docs/tenancy.md). Off by default. */
  tenancy: z
    .object({
      enabled: z.boolean().default(false),
      /** Days audit records are kept (the retention job deletes older ones hourly); default 365. */
      audit_retention_days: z.number().int().positive().optional(),
      /**
       * Which isolation layers run: `both` (default: the application's org filter and, on
       * PostgreSQL/PGlite, row-level security), `rls` or `app` alone (tests prove each suffices).
       */
      isolation: z.enum(["both", "rls", "app"]).default("both"),
    })
    .strict()
    .optional(),
  /** Identity providers (OIDC, SAML) per organization; needs tenancy (docs/sso/). */
  sso: ssoSchema.optional(),
  database: z.object({ url: z.string().optional(), data_dir: z.string().optional() }).optional(),
  redis: z.object({ url: z.string().optional() }).optional(),
  /** As in LangGraph Platform's langgraph.json: thread TTLs (minutes) and the sweep interval. */
  checkpointer: z
    .looseObject({
      ttl: z
        .object({
          strategy: z.enum(["delete", "keep_latest"]).optional(),
          default_ttl: z.number().positive().optional(),
          sweep_interval_minutes: z.number().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  telemetry: z
    .object({
      /** OTLP/HTTP base URL (`/v1/traces` is appended); tracing is off without it. */
      otlp_endpoint: z.string().url().optional(),
      service_name: z.string().min(1).optional(),
      /** `"./file.ts:export"` called with every unexpected server error (e.g. Sentry). */
      error_hook: z.string().min(1).optional(),
    })
    .optional(),
  server: z
    .object({
      port: z.number().int().positive().optional(),
      host: z.string().optional(),
      workers: z.number().int().positive().optional(),
      log_level: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).optional(),
      /** Run lease (seconds): a run whose worker stops renewing it is retried after this long. */
      run_lease_seconds: z.number().positive().optional(),
      /** On shutdown, how long in-flight runs may finish before they are handed back. */
      run_drain_seconds: z.number().min(0).optional(),
      /** Seconds between failing `/ready` on SIGTERM and starting the drain. */
      drain_delay_seconds: z.number().min(0).optional(),
      /** Compute graph schemas in the background at start-up (default true). */
      warm_schemas: z.boolean().optional(),
    })
    .optional(),
});

/** The parsed configuration file. */
export type ConfigFile = z.infer<typeof configFileSchema>;
/** The `webhooks` section. */
export type WebhooksConfig = z.infer<typeof webhooksSchema>;
/** A custom endpoint declared by a graph. */
export type EndpointSpec = z.infer<typeof endpointSchema>;
