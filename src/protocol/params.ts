/**
 * Reading the params of protocol commands (`run.start`, `input.respond`, `state.get`) and building
 * what they ask of the runs engine. A param of the wrong shape is ignored (an unknown
 * `multitaskStrategy` too); `input.respond` without an interrupt id is the caller's
 * `invalid_argument` (see `resumeOf`). Protocol runs stream every mode, subgraphs included, into
 * a resumable log, create their thread when missing and enqueue by default. Facts from upstream
 * `src/protocol/service.mts`.
 */
import { toPlainJson } from "../core/serde.ts";
import type { RunRequest } from "../runs/build.ts";
import type { MultitaskStrategy } from "../runs/types.ts";

/** Thread state as the protocol reads it (a LangGraph StateSnapshot). */
export interface ProtocolState {
  get(
    threadId: string,
    query: { subgraphs?: boolean },
  ): Promise<{
    values: unknown;
    tasks?: { interrupts?: unknown[] }[];
    config?: { configurable?: Record<string, unknown> };
  }>;
}

/** Stream modes stored on protocol runs (the v3 pipeline emits every channel anyway). */
const RUN_STREAM_MODES = ["values", "updates", "messages", "tools", "custom", "tasks"];
const STRATEGIES: readonly string[] = ["reject", "rollback", "interrupt", "enqueue"];

/** Whether `v` is a plain JSON object (not an array). */
export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A run the protocol starts or resumes. */
export interface RunParams {
  assistantId: string;
  input: unknown;
  config?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  strategy?: MultitaskStrategy;
  update?: unknown;
  goto?: unknown;
  /** `input.respond`: the input answers interrupts (checked by the caller). */
  resume?: boolean;
  /** `strict_resume`: the run refuses answers to interrupts that are not pending. */
  strict?: boolean;
}

/** `config` and `metadata`, each when it is an object. */
export function configOf(params: Record<string, unknown>): Pick<RunParams, "config" | "metadata"> {
  return {
    config: isObj(params.config) ? params.config : undefined,
    metadata: isObj(params.metadata) ? params.metadata : undefined,
  };
}

/** `update` (an object or a list) and `goto` (a node name, a list or an object) of a resume. */
export function commandOf(params: Record<string, unknown>): Pick<RunParams, "update" | "goto"> {
  const update = isObj(params.update) || Array.isArray(params.update) ? params.update : undefined;
  const goto =
    typeof params.goto === "string" || Array.isArray(params.goto) || isObj(params.goto)
      ? params.goto
      : undefined;
  return { update, goto };
}

/** `multitaskStrategy` when it is one of the four strategies, else undefined. */
export function strategyOf(params: Record<string, unknown>): MultitaskStrategy | undefined {
  return typeof params.multitaskStrategy === "string" &&
    STRATEGIES.includes(params.multitaskStrategy)
    ? (params.multitaskStrategy as MultitaskStrategy)
    : undefined;
}

/**
 * The resume map of `input.respond` (interrupt id -> response), from `responses` entries or a
 * single `interrupt_id`/`response`; a string is the `invalid_argument` message instead.
 */
export function resumeOf(params: Record<string, unknown>): Record<string, unknown> | string {
  const resume: Record<string, unknown> = {};
  if (Array.isArray(params.responses)) {
    for (const entry of params.responses) {
      if (!isObj(entry) || typeof entry.interrupt_id !== "string")
        return "input.respond responses entries require an interrupt_id.";
      resume[entry.interrupt_id] = entry.response;
    }
    if (Object.keys(resume).length === 0) return "input.respond requires at least one response.";
  } else if (typeof params.interrupt_id === "string") resume[params.interrupt_id] = params.response;
  else return "input.respond requires an interrupt_id.";
  return resume;
}

/** The runs-engine request of a protocol run; `resume`: `input` answers interrupts. */
export function runRequestOf(threadId: string, p: RunParams, resume: boolean): RunRequest {
  const config = {
    ...p.config,
    configurable: {
      ...(isObj(p.config?.configurable) ? p.config.configurable : {}),
      thread_id: threadId,
    },
  };
  return {
    assistantId: p.assistantId,
    input: resume ? null : p.input,
    command: resume
      ? {
          resume: p.input,
          ...(p.update != null ? { update: p.update as never } : {}),
          ...(p.goto != null ? { goto: p.goto } : {}),
        }
      : undefined,
    config,
    metadata: p.metadata,
    streamMode: RUN_STREAM_MODES,
    streamSubgraphs: true,
    streamResumable: true,
    ifNotExists: "create",
    multitaskStrategy: p.strategy ?? "enqueue",
    protocol: true,
    ...(p.strict ? { strictResume: true } : {}),
  };
}

/** The `state.get` result: the values (only `keys` when given) and the checkpoint. */
export function stateResult(
  state: Awaited<ReturnType<ProtocolState["get"]>>,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const configurable = state.config?.configurable ?? {};
  const checkpoint =
    typeof configurable.checkpoint_id === "string"
      ? {
          id: configurable.checkpoint_id,
          ...(typeof configurable.checkpoint_ns === "string"
            ? { ns: configurable.checkpoint_ns }
            : {}),
        }
      : undefined;
  const keys =
    Array.isArray(params.keys) && params.keys.every((k) => typeof k === "string")
      ? (params.keys as string[])
      : undefined;
  const values =
    keys && isObj(state.values)
      ? Object.fromEntries(Object.entries(state.values).filter(([k]) => keys.includes(k)))
      : state.values;
  return { values: toPlainJson(values) ?? null, ...(checkpoint ? { checkpoint } : {}) };
}
