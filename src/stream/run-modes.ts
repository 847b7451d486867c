/**
 * Executes one run of a graph and yields its SSE events for the requested stream modes, with the
 * official server's event names, payloads and order (upstream `streamState`, legacy v2 path):
 * `graph.streamEvents(input, {version: "v2", streamMode: [...]})`, root `on_chain_stream` chunks
 * become mode events (`mode|ns1|ns2` for subgraphs), everything else feeds `events` and the legacy
 * `messages/*` derivation (without those two modes the graph is streamed directly: graph-events.ts). `debug` is always requested internally so the caller learns every
 * checkpoint (run outcome, thread status) even when the client did not ask for it.
 *
 * The leading `metadata` event and the trailing `error` event are NOT produced here: the worker emits
 * them (it knows the attempt, and it owns failure handling). Errors propagate as exceptions.
 */

import { Command, Send } from "@langchain/langgraph";
import { isCheckpointEnvelope } from "@langchain/langgraph/web";
import { toPlainJson } from "../core/serde.ts";
import { installedVersion } from "../peers/versions.ts";
import {
  preprocessCheckpoint,
  preprocessTask,
  type StreamCheckpoint,
  type StreamTask,
} from "./debug.ts";
import { graphEvents } from "./graph-events.ts";
import { LegacyMessages } from "./legacy-messages.ts";
import { checkStrictResume } from "./strict-resume.ts";
import type { CheckpointRef, RunCommand, RunEvent, StreamMode } from "./types.ts";

export type { StreamCheckpoint, StreamTask } from "./debug.ts";
export type { RunEvent, StreamMode } from "./types.ts";

/** Options of {@link streamGraphRun}. */
export interface StreamRunOptions {
  runId: string;
  threadId?: string;
  /** Graph input (ignored when `command` is set). `null` continues from an interrupt. */
  input?: unknown;
  /** `command` of the run body: becomes a LangGraph `Command`. */
  command?: RunCommand | null;
  /** Run config (`configurable` incl. thread_id, graph_id, assistant_id…; tags; recursion_limit). */
  config?: RunConfig;
  context?: unknown;
  /** Requested modes; default `["values"]`. */
  streamMode?: StreamMode[];
  subgraphs?: boolean;
  interruptBefore?: "*" | string[];
  interruptAfter?: "*" | string[];
  /** Start from this checkpoint (time travel / branching). */
  checkpoint?: CheckpointRef | null;
  checkpointId?: string | null;
  durability?: "sync" | "async" | "exit";
  /** Refuse a resume that answers no pending interrupt (`UnknownInterruptError`, see strict-resume.ts). */
  strictResume?: boolean;
  /** Aborting stops the graph promptly (cancel, interrupt, rollback, shutdown). */
  signal?: AbortSignal;
  /**
   * Run metadata for tracing (`config.metadata` is merged under it; `langgraph_api_url` belongs here).
   * `run_attempt`, `langgraph_version`, `langgraph_plan`, `langgraph_host` are added as upstream.
   */
  metadata?: Record<string, unknown>;
  /** Attempt number, reported in the trace metadata as `run_attempt`. */
  attempt?: number;
  /** Called for every checkpoint the run writes (root and, with subgraphs, nested). */
  onCheckpoint?: (checkpoint: StreamCheckpoint, namespace: string[]) => void;
  /** Extra LangChain callback handlers (tracing: node spans, Langfuse). */
  callbacks?: unknown[];
  /** Called for every finished task (result or error). */
  onTaskResult?: (task: StreamTask, namespace: string[]) => void;
  /** The run's artifacts handle, handed to nodes as `config.configurable.artifacts`. */
  artifacts?: unknown;
}

/** Run config as accepted on the wire (snake_case recursion_limit, as upstream). */
export interface RunConfig {
  tags?: string[];
  recursion_limit?: number;
  configurable?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the worker needs to know once the run has finished. */
export interface RunOutcome {
  /** The last root checkpoint (values, next, tasks with interrupts). */
  lastCheckpoint: StreamCheckpoint | undefined;
  /** Values of the last root checkpoint (what `/runs/wait` returns). */
  values: unknown;
  /**
   * The graph stopped with work pending (interrupt(), interrupt_before/after): the thread becomes
   * `interrupted` while the run itself still ends `success`, as upstream.
   */
  threadInterrupted: boolean;
}

/** The project's LangGraph version, reported in run metadata as upstream does. */
export const LANGGRAPH_VERSION: string = installedVersion("@langchain/langgraph") ?? "0.0.0";

type LibMode = Exclude<StreamMode, "events" | "messages-tuple">;

/** Builds the LangGraph `Command` of a run body (`goto` strings and `Send`s, `update`, `resume`). */
export function toLangGraphCommand(command: RunCommand): Command {
  const goto = command.goto != null && !Array.isArray(command.goto) ? [command.goto] : command.goto;
  return new Command({
    goto: goto?.map((item) => (typeof item === "string" ? item : new Send(item.node, item.input))),
    update: command.update,
    resume: command.resume,
  });
}

/** The LangGraph stream modes needed to serve `requested`. */
export function libStreamModes(requested: StreamMode[]): LibMode[] {
  const modes = new Set<LibMode>(
    requested.filter((m): m is LibMode => m !== "events" && m !== "messages-tuple"),
  );
  // messages-tuple is LangGraph's own "messages" mode; legacy "messages" is derived from values.
  if (requested.includes("messages-tuple")) modes.add("messages");
  if (requested.includes("messages")) {
    modes.delete("messages");
    modes.add("values");
  }
  modes.add("debug");
  return [...modes];
}

/** The `configurable` handed to the graph (thread id, checkpoint to start from). */
export function buildConfigurable(options: StreamRunOptions): Record<string, unknown> {
  const configurable: Record<string, unknown> = { ...options.config?.configurable };
  if (options.threadId && configurable.thread_id == null) configurable.thread_id = options.threadId;
  const cp = options.checkpoint;
  if (cp?.checkpoint_id) configurable.checkpoint_id = cp.checkpoint_id;
  if (cp?.checkpoint_ns != null) configurable.checkpoint_ns = cp.checkpoint_ns;
  if (cp?.checkpoint_map) configurable.checkpoint_map = cp.checkpoint_map;
  if (options.checkpointId) configurable.checkpoint_id = options.checkpointId;
  if (options.artifacts) configurable.artifacts = options.artifacts;
  return configurable;
}

/** Drops undefined keys (Pregel spreads options over its defaults). */
export function omitUndefined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Streams one run; returns the outcome when the graph finishes. Throws what the graph throws. */
export async function* streamGraphRun(
  graph: any,
  options: StreamRunOptions,
): AsyncGenerator<RunEvent, RunOutcome> {
  if (options.strictResume && options.command?.resume !== undefined)
    await checkStrictResume(graph, buildConfigurable(options), options.command.resume);
  const requested = options.streamMode?.length ? options.streamMode : (["values"] as StreamMode[]);
  const subgraphs = options.subgraphs === true;
  const input =
    options.command != null ? toLangGraphCommand(options.command) : (options.input ?? null);
  const metadata = {
    ...options.config?.metadata,
    ...options.metadata,
    run_attempt: options.attempt ?? 1,
    langgraph_version: LANGGRAPH_VERSION,
    langgraph_plan: "developer",
    langgraph_host: "self-hosted",
  };

  const events = graphEvents(
    graph,
    input,
    omitUndefined({
      interruptBefore: options.interruptBefore,
      interruptAfter: options.interruptAfter,
      tags: options.config?.tags,
      context: options.context,
      configurable: buildConfigurable(options),
      recursionLimit: options.config?.recursion_limit,
      subgraphs,
      metadata,
      durability: options.durability,
      runId: options.runId,
      streamMode: libStreamModes(requested),
      signal: options.signal,
      callbacks: options.callbacks?.length ? options.callbacks : undefined,
    }),
    requested,
    options.runId,
  );

  const legacy = requested.includes("messages") ? new LegacyMessages() : undefined;
  const outcome: RunOutcome = {
    lastCheckpoint: undefined,
    values: undefined,
    threadInterrupted: false,
  };

  for await (const event of events) {
    if (event.tags?.includes("langsmith:hidden")) continue;
    const isRootChunk = event.event === "on_chain_stream" && event.run_id === options.runId;
    if (isRootChunk) {
      const raw = event.data.chunk as unknown[];
      const [ns, mode, payload] = (subgraphs ? raw : [null, ...raw]) as [
        string[] | null,
        string,
        unknown,
      ];
      const namespace = ns ?? [];
      yield* modeEvents(mode, namespace, payload, requested, subgraphs, options, outcome);
      if (legacy && namespace.length === 0) yield* plain(legacy.fromValues(payload));
    } else {
      if (requested.includes("events")) yield { event: "events", data: safeJson(event) };
      if (legacy && event.event === "on_chat_model_stream" && !event.tags?.includes("nostream")) {
        yield* plain(legacy.fromToken(event.data.chunk as never, event.metadata));
      }
    }
  }
  return {
    lastCheckpoint: safeJson(outcome.lastCheckpoint) as StreamCheckpoint | undefined,
    values: safeJson(outcome.values),
    threadInterrupted: outcome.threadInterrupted,
  };
}

function* modeEvents(
  mode: string,
  namespace: string[],
  payload: unknown,
  requested: StreamMode[],
  subgraphs: boolean,
  options: StreamRunOptions,
  outcome: RunOutcome,
): Generator<RunEvent> {
  const name = (m: string) =>
    subgraphs && namespace.length > 0 ? `${m}|${namespace.join("|")}` : m;
  let data: unknown = payload;
  if (mode === "debug") {
    const chunk = payload as { type: string; payload: Record<string, unknown> };
    if (chunk.type === "checkpoint") {
      const checkpoint = preprocessCheckpoint(chunk.payload);
      noteCheckpoint(checkpoint, namespace, options, outcome);
      data = { ...chunk, payload: checkpoint };
    } else if (chunk.type === "task_result") {
      const task = preprocessTask(chunk.payload);
      options.onTaskResult?.(task, namespace);
      data = { ...chunk, payload: task };
    }
  } else if (mode === "checkpoints") {
    const body = payload as Record<string, unknown>;
    if (isCheckpointEnvelope(body)) {
      // Lightweight checkpoint envelope (LangGraph ≥1.4 with subgraphs + values): upstream forwards
      // it only when the client did not ask for the full `checkpoints` mode.
      if (!requested.includes("checkpoints"))
        yield { event: name("checkpoints"), data: safeJson(body) };
      return;
    }
    noteCheckpoint(preprocessCheckpoint(body), namespace, options, outcome);
    data = { values: body.values, metadata: body.metadata, next: body.next };
  } else if (mode === "tasks") {
    const task = preprocessTask(payload as Record<string, unknown>);
    if ("result" in task || "error" in task) options.onTaskResult?.(task, namespace);
    data = task;
  }

  if (mode === "messages") {
    if (requested.includes("messages-tuple"))
      yield { event: name("messages"), data: safeJson(data) };
  } else if ((requested as string[]).includes(mode)) {
    yield { event: name(mode), data: safeJson(data) };
  }
}

function noteCheckpoint(
  checkpoint: StreamCheckpoint,
  namespace: string[],
  options: StreamRunOptions,
  outcome: RunOutcome,
): void {
  options.onCheckpoint?.(checkpoint, namespace);
  if (namespace.length > 0) return;
  outcome.lastCheckpoint = checkpoint;
  outcome.values = checkpoint.values;
  outcome.threadInterrupted =
    checkpoint.next.length > 0 ||
    checkpoint.tasks.some((t) => Array.isArray(t.interrupts) && t.interrupts.length > 0);
}

function* plain(events: RunEvent[]): Generator<RunEvent> {
  for (const e of events) yield { event: e.event, data: safeJson(e.data) };
}

/** JSON-safe copy; values JSON cannot hold (cycles) degrade to their string form. */
export function safeJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return toPlainJson(value) ?? null;
  } catch {
    return String(value);
  }
}
