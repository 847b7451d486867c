/**
 * Pure construction of a run's stored form from the request, the assistant and the thread: the
 * merged config (assistant → thread → request, then the ids the graph may read), the merged
 * metadata, and the thread metadata/config stamps, as the official server computes them.
 */
import type { Assistant } from "../assistants/types.ts";
import type { ThreadView } from "./ports.ts";
import type { Durability, MultitaskStrategy, RunKwargs } from "./types.ts";

/** A validated run request (domain form of the wire body). */
export interface RunRequest {
  assistantId: string;
  input?: unknown;
  command?: RunKwargs["command"];
  config?: Record<string, unknown> & { configurable?: Record<string, unknown> };
  context?: unknown;
  metadata?: Record<string, unknown>;
  checkpointId?: string;
  checkpoint?: Record<string, unknown>;
  interruptBefore?: "*" | string[];
  interruptAfter?: "*" | string[];
  streamMode?: string[];
  streamSubgraphs?: boolean;
  streamResumable?: boolean;
  afterSeconds?: number;
  ifNotExists?: "reject" | "create";
  onCompletion?: "delete" | "keep";
  onDisconnect?: "cancel" | "continue";
  multitaskStrategy?: MultitaskStrategy;
  webhook?: string;
  durability?: Durability;
  /** LangSmith feedback keys, kept in kwargs as sent. */
  feedbackKeys?: string[];
  /** Refuse a resume of an interrupt that is not pending. */
  strictResume?: boolean;
  /** Thread-centric protocol run (v3 event pipeline). */
  protocol?: boolean;
}

/** Request headers copied into `configurable` (x-* except secrets, and user-agent). */
const BLOCKED_HEADERS = new Set(["x-api-key", "x-tenant-id", "x-service-key"]);

/** The `configurable` entries contributed by request headers. */
export function headersToConfigurable(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(headers)) {
    const key = raw.toLowerCase();
    if ((key.startsWith("x-") && !BLOCKED_HEADERS.has(key)) || key === "user-agent")
      out[key] = value;
  }
  return out;
}

/** Inputs of `buildRun` besides the thread. */
export interface BuildContext {
  runId: string;
  request: RunRequest;
  assistant: Assistant;
  headers: Record<string, string>;
  temporary: boolean;
  userId?: string;
  /** The authenticated caller (custom auth), exposed to the graph through `configurable`. */
  auth?: RunAuth;
}

/** The caller as runs see it: the normalised auth user and its permissions. */
export interface RunAuth {
  user: { identity: string } & Record<string, unknown>;
  permissions: string[];
}

/** The `configurable` entries the official server adds for an authenticated caller. */
export function authToConfigurable(auth: RunAuth | undefined): Record<string, unknown> {
  if (!auth) return {};
  return {
    langgraph_auth_user: auth.user,
    langgraph_auth_user_id: auth.user.identity ?? auth.user.id,
    langgraph_auth_permissions: auth.permissions,
  };
}

const obj = (v: unknown): Record<string, unknown> =>
  v != null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * `configurable` keys that say who the caller is. Only the server sets them (from the
 * authenticated caller): a value a client sent in a request, or left in a thread's or an
 * assistant's config, is dropped, so no body field impersonates anyone inside the graph.
 */
export const CALLER_KEYS: readonly string[] = [
  "langgraph_auth_user",
  "langgraph_auth_user_id",
  "langgraph_auth_permissions",
];

/** `configurable` without the caller keys. */
function withoutCallerKeys(configurable: Record<string, unknown>): Record<string, unknown> {
  if (!CALLER_KEYS.some((k) => k in configurable)) return configurable;
  const out = { ...configurable };
  for (const k of CALLER_KEYS) delete out[k];
  return out;
}

/** The run config as the graph sees it. */
function requestConfig(req: RunRequest, headers: Record<string, string>, auth?: RunAuth) {
  const config = { ...(req.config ?? {}) };
  if (config.configurable !== undefined)
    config.configurable = withoutCallerKeys(obj(config.configurable));
  const configurable: Record<string, unknown> = { ...obj(config.configurable) };
  if (req.checkpointId) configurable.checkpoint_id = req.checkpointId;
  if (req.checkpoint) Object.assign(configurable, req.checkpoint);
  Object.assign(configurable, headersToConfigurable(headers), authToConfigurable(auth));
  return { config, configurable };
}

/** Computes the stored run and the thread stamps for `thread`. */
export function buildRun(ctx: BuildContext, thread: ThreadView) {
  const { request: req, assistant } = ctx;
  const { config, configurable: reqConfigurable } = requestConfig(req, ctx.headers, ctx.auth);
  const assistantConfig = obj(assistant.config);
  const assistantConfigurable = withoutCallerKeys(obj(assistantConfig.configurable));
  const threadConfigurable = withoutCallerKeys(obj(thread.config.configurable));

  const stamp = { graph_id: assistant.graphId, assistant_id: assistant.assistantId };
  const threadMetadata = { ...thread.metadata, ...stamp };
  const metadata = { ...obj(assistant.metadata), ...threadMetadata, ...(req.metadata ?? {}) };
  // An authenticated caller is who the run is for; a `user_id` in a body does not change it.
  const userId = ctx.auth
    ? ctx.auth.user.identity
    : (reqConfigurable.user_id ??
      threadConfigurable.user_id ??
      assistantConfigurable.user_id ??
      ctx.userId);
  const configurable = {
    ...assistantConfigurable,
    ...threadConfigurable,
    ...reqConfigurable,
    run_id: ctx.runId,
    thread_id: thread.threadId,
    graph_id: assistant.graphId,
    assistant_id: assistant.assistantId,
    ...(userId !== undefined ? { user_id: userId } : {}),
  };
  const streamMode = req.streamMode?.length ? req.streamMode : ["values"];
  const context =
    assistant.context != null && typeof assistant.context !== "object"
      ? assistant.context
      : req.context != null && typeof req.context !== "object"
        ? req.context
        : { ...obj(assistant.context), ...obj(req.context) };

  const kwargs: RunKwargs = {
    input: req.input,
    command: req.command,
    config: { ...assistantConfig, ...config, configurable, metadata },
    context,
    stream_mode: streamMode,
    interrupt_before: req.interruptBefore,
    interrupt_after: req.interruptAfter,
    webhook: req.webhook,
    temporary: ctx.temporary,
    subgraphs: req.streamSubgraphs ?? false,
    resumable: req.streamResumable ?? false,
    durability: req.durability,
    ...(req.feedbackKeys ? { feedback_keys: req.feedbackKeys } : {}),
    ...(req.strictResume ? { strict_resume: true } : {}),
    on_completion: req.onCompletion,
    ...(req.protocol ? { __protocol_stream_run: true } : {}),
  };
  const threadConfig = {
    ...assistantConfig,
    ...thread.config,
    ...config,
    configurable: { ...assistantConfigurable, ...threadConfigurable, ...obj(config.configurable) },
  };
  return { kwargs, metadata, threadMetadataPatch: stamp, threadConfig };
}
