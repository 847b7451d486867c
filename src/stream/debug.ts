/**
 * Shapes LangGraph's debug/tasks/checkpoints payloads the way the official server sends them:
 * camelCase `parentConfig` becomes `parent_config`, configs lose internal `__*` keys and callbacks,
 * `checkpoint`/`parent_checkpoint` references are derived from the configs, and task states that are
 * configs become `checkpoint` references.
 */

/** A checkpoint reference derived from a config. */
export interface CheckpointRefOut {
  thread_id: string;
  checkpoint_id: string | null;
  checkpoint_ns: string;
  checkpoint_map: Record<string, unknown> | null;
}

/** A checkpoint as reported to the worker (debug `checkpoint` payload, preprocessed). */
export interface StreamCheckpoint {
  config: Record<string, unknown> | undefined;
  parent_config: Record<string, unknown> | undefined;
  checkpoint: CheckpointRefOut | null;
  parent_checkpoint: CheckpointRefOut | null;
  values: unknown;
  metadata: Record<string, unknown> | undefined;
  next: string[];
  tasks: StreamTask[];
}

/** A task of a checkpoint or a task result. */
export interface StreamTask {
  id: string;
  name: string;
  result?: unknown;
  error?: unknown;
  interrupts: unknown[];
  checkpoint?: Partial<CheckpointRefOut>;
  state?: unknown;
  path?: unknown[];
  [key: string]: unknown;
}

type Configurable = Record<string, unknown>;

const configurableOf = (config: unknown): Configurable | undefined => {
  if (typeof config !== "object" || config == null) return undefined;
  const c = (config as { configurable?: unknown }).configurable;
  return typeof c === "object" && c != null ? (c as Configurable) : undefined;
};

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const mapOf = (v: unknown): Record<string, unknown> | null =>
  typeof v === "object" && v != null ? (v as Record<string, unknown>) : null;

/** `checkpoint` reference of a full checkpoint config (needs thread_id and checkpoint_id). */
export function configToCheckpoint(config: unknown): CheckpointRefOut | null {
  const c = configurableOf(config);
  const threadId = str(c?.thread_id);
  const checkpointId = str(c?.checkpoint_id);
  if (!c || !threadId || !checkpointId) return null;
  return {
    thread_id: threadId,
    checkpoint_id: checkpointId,
    checkpoint_ns: str(c.checkpoint_ns) || "",
    checkpoint_map: mapOf(c.checkpoint_map),
  };
}

/** `checkpoint` reference of a task config (checkpoint_id optional). */
export function taskConfigToCheckpoint(config: unknown): CheckpointRefOut | null {
  const c = configurableOf(config);
  const threadId = str(c?.thread_id);
  if (!c || !threadId) return null;
  return {
    thread_id: threadId,
    checkpoint_id: str(c.checkpoint_id) || null,
    checkpoint_ns: str(c.checkpoint_ns) || "",
    checkpoint_map: mapOf(c.checkpoint_map),
  };
}

/** Drops `__*` configurable keys and callbacks from a config. */
export function publicConfig(config: unknown): Record<string, unknown> | undefined {
  const c = configurableOf(config);
  if (!c) return config as Record<string, unknown> | undefined;
  const out: Record<string, unknown> = {
    ...(config as Record<string, unknown>),
    configurable: Object.fromEntries(Object.entries(c).filter(([k]) => !k.startsWith("__"))),
  };
  delete out.callbacks;
  return out;
}

/** A debug task with a config state turned into a `checkpoint` reference. */
export function preprocessTask(task: Record<string, unknown>): StreamTask {
  const ref = configurableOf(task.state) ? taskConfigToCheckpoint(task.state) : null;
  if (!ref) return task as StreamTask;
  const { state: _state, ...rest } = task;
  return { ...rest, checkpoint: ref } as StreamTask;
}

/** A debug checkpoint payload in the official wire shape. */
export function preprocessCheckpoint(payload: Record<string, unknown>): StreamCheckpoint {
  const { parentConfig, ...rest } = payload;
  const tasks = Array.isArray(payload.tasks) ? payload.tasks : [];
  return {
    ...rest,
    checkpoint: configToCheckpoint(payload.config),
    parent_checkpoint: configToCheckpoint(parentConfig),
    tasks: tasks.map((t) => preprocessTask(t as Record<string, unknown>)),
    config: publicConfig(payload.config),
    parent_config: publicConfig(parentConfig),
  } as StreamCheckpoint;
}
