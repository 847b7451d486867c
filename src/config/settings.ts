/**
 * The resolved settings shapes: what `loadSettings` produces and every other module receives (the
 * composition root, the CLI, features through their own slices). Types only.
 */
import type { InputLimits } from "../core/limits.ts";
import type { EncryptionSettings } from "../encryption/setup.ts";
import type { WebhookSettings } from "../webhooks/dispatcher.ts";
import type { ArtifactSettings } from "./artifacts.ts";
import type { ServerRole } from "./roles.ts";
import type { ConfigFile, EndpointSpec } from "./schema.ts";

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
  /**
   * Where PGlite executes (`OLG_PGLITE_THREAD`): `worker` (default, a worker thread) or `main` (the
   * HTTP thread; the benchmark's baseline).
   */
  pgliteThread?: "worker" | "main";
  /**
   * Whether the embedded default may run graphs in an executor thread (`OLG_EMBEDDED_EXECUTOR`,
   * `server/executor-thread.ts`); `false` keeps them on this thread (`olg test`, whose cassettes
   * and fakes patch this thread's globals).
   */
  executorThread?: boolean;
  /**
   * Connections of a networked database's pool (default: the engine's, 10). Set by the
   * composition root for each thread when role `all` runs its executor in a thread
   * (`server/executor-split.ts`), so the two pools add up to one.
   */
  poolSize?: number;
  /**
   * MySQL/MariaDB and CockroachDB: the channel and origin the two threads of a split role `all`
   * share for their wake-ups (`storage/mysql/sibling-wakeups.ts`); set by the composition root.
   */
  siblingWakeups?: { channel: string; origin: string };
  /**
   * The channel on which the HTTP thread of a split role `all` hands each run it created to the
   * executor thread (`runs/handoff.ts`); set by the composition root.
   */
  runHandoff?: string;
  redisUrl: string | null;
  testMode: boolean;
  /** Compute graph schemas in the background at start-up. */
  warmSchemas: boolean;
  /** Run worker slots per process; null: sized from the CPUs and the database pool. */
  workers: number | null;
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
