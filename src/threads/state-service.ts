/**
 * Thread state: read the latest (or a past) snapshot, apply updates as a node, replay supersteps,
 * list history. Every write runs in one transaction with the thread row locked, so a concurrent
 * run (or a failed update) can never leave the row and the checkpoints out of step.
 */
import type { BaseCheckpointSaver, StateSnapshot } from "@langchain/langgraph";
import type { Scope } from "../auth/scope.ts";
import type { Clock } from "../core/clock.ts";
import { conflict, invalidInput, notFound } from "../core/errors.ts";
import { toPlainJson } from "../core/serde.ts";
import type { CompiledGraph } from "../graphs/registry.ts";
import { toLangGraphCommand, type WireCommand } from "./command.ts";
import type { ThreadsStorage, ThreadsUnit } from "./repository.ts";
import { asClientError, emptySnapshot, graphIdOfThread } from "./state.ts";
import type { Thread } from "./types.ts";

/** The graphs a thread may belong to (the registry satisfies it). */
export interface ThreadGraphs {
  has(graphId: string): boolean;
  get(
    graphId: string,
    config: Record<string, unknown>,
    options: {
      checkpointer: BaseCheckpointSaver<string | number> | null;
      access?: "threads.read" | "threads.update";
    },
  ): Promise<CompiledGraph>;
}

/** A checkpoint address inside a thread. */
export interface CheckpointRef {
  checkpoint_id?: string | null;
  checkpoint_ns?: string | null;
  checkpoint_map?: Record<string, unknown> | null;
}

/** One update of a superstep. */
export interface SuperstepUpdate {
  values?: unknown;
  command?: WireCommand | null;
  asNode: string;
}

/** An update of the state as a node. */
export interface StateUpdate {
  values?: unknown;
  asNode?: string;
  checkpointId?: string;
  checkpoint?: CheckpointRef | null;
}

/** History paging and filters. */
export interface HistoryQuery {
  limit: number;
  before?: string | CheckpointRef;
  metadata?: Record<string, unknown>;
  checkpoint?: CheckpointRef;
  /** Load only these channels (a `values.<key>` selection). */
  channels?: string[];
}

/** Dependencies of the state service. */
export interface ThreadStateServiceOptions {
  storage: ThreadsStorage;
  graphs: ThreadGraphs;
  clock: Clock;
}

const threadNotFound = (threadId: string) => notFound(`Thread with ID ${threadId} not found`);
const noGraph = (threadId: string) => invalidInput(`Thread ${threadId} has no graph ID`);

/** Drops null/undefined fields so they never override defaults in a config. */
function compact(ref: CheckpointRef | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(ref ?? {}).filter(([, v]) => v != null));
}

type Saver = BaseCheckpointSaver<string | number>;
type PartialSaver = Saver & { withChannels(channels: string[]): Saver };

/** A saver reading only `channels` when it can; the saver itself otherwise. */
function partialReader(saver: Saver, channels: string[] | undefined): Saver {
  if (!channels || typeof (saver as Partial<PartialSaver>).withChannels !== "function")
    return saver;
  return (saver as PartialSaver).withChannels(channels);
}

/** Thread state operations. */
export class ThreadStateService {
  constructor(private readonly options: ThreadStateServiceOptions) {}

  /** The snapshot at the latest checkpoint, or at `checkpoint`; the empty snapshot without a graph. */
  async get(
    threadId: string,
    query: { checkpoint?: CheckpointRef | null; subgraphs?: boolean; channels?: string[] },
    scope?: Scope,
  ): Promise<StateSnapshot> {
    const { storage } = this.options;
    const thread = await storage.threads.find(threadId, scope);
    if (!thread) throw threadNotFound(threadId);
    const graphId = graphIdOfThread(thread.metadata);
    if (graphId == null) return emptySnapshot();
    const checkpointer = query.subgraphs
      ? storage.checkpointer
      : partialReader(storage.checkpointer, query.channels);
    const graph = await this.#graph(graphId, thread, checkpointer, "threads.read");
    const config = { configurable: { ...compact(query.checkpoint), thread_id: threadId } };
    const state: StateSnapshot = await graph.getState(config, { subgraphs: !!query.subgraphs });
    // The official server hides the root namespace from the metadata it reports.
    if (state.metadata && (state.metadata as Record<string, unknown>).checkpoint_ns === "") {
      delete (state.metadata as Record<string, unknown>).checkpoint_ns;
    }
    return state;
  }

  /** Applies `values` as `asNode` (optionally on a past checkpoint); returns the new checkpoint. */
  async update(
    threadId: string,
    update: StateUpdate,
    scope?: Scope,
  ): Promise<{ checkpoint: Record<string, unknown> | undefined }> {
    return this.options.storage.transaction(async (unit) => {
      const thread = await unit.threads.findForUpdate(threadId, scope);
      if (!thread) throw threadNotFound(threadId);
      if (await unit.threads.hasActiveRuns(threadId)) throw conflict("Thread is busy");
      const graphId = graphIdOfThread(thread.metadata);
      if (graphId == null) throw noGraph(threadId);
      const graph = await this.#graph(graphId, thread, unit.checkpointer, "threads.update");
      const configurable: Record<string, unknown> = { thread_id: threadId, graph_id: graphId };
      if (update.checkpointId) configurable.checkpoint_id = update.checkpointId;
      Object.assign(configurable, compact(update.checkpoint));
      configurable.checkpoint_ns ??= "";
      const next: { configurable?: Record<string, unknown> } = await asClientError(() =>
        graph.updateState({ configurable }, update.values, update.asNode),
      );
      await this.#refreshValues(unit, graphId, thread, threadId);
      return { checkpoint: next?.configurable };
    });
  }

  /**
   * Replays supersteps on a thread inside the caller's unit of work (thread creation uses it so
   * a rejected superstep leaves no thread behind).
   */
  async applySupersteps(
    unit: ThreadsUnit,
    thread: Thread,
    supersteps: { updates: SuperstepUpdate[] }[],
  ): Promise<void> {
    const graphId = graphIdOfThread(thread.metadata);
    if (graphId == null) throw noGraph(thread.threadId);
    if (!this.options.graphs.has(graphId)) throw invalidInput(`Graph "${graphId}" not found`);
    const graph = await this.#graph(graphId, thread, unit.checkpointer, "threads.update");
    const steps = supersteps.map((step) => ({
      updates: step.updates.map((u) => ({
        values: u.command != null ? toLangGraphCommand(u.command) : u.values,
        asNode: u.asNode,
      })),
    }));
    const configurable = { thread_id: thread.threadId, graph_id: graphId, checkpoint_ns: "" };
    await asClientError(() => graph.bulkUpdateState({ configurable }, steps));
    await this.#refreshValues(unit, graphId, thread, thread.threadId);
  }

  /** Past snapshots of the root namespace, newest first; empty when the thread has no graph. */
  async history(threadId: string, query: HistoryQuery, scope?: Scope): Promise<StateSnapshot[]> {
    const { storage } = this.options;
    const thread = await storage.threads.find(threadId, scope);
    if (!thread) throw threadNotFound(threadId);
    const graphId = graphIdOfThread(thread.metadata);
    if (graphId == null) return [];
    const checkpointer = partialReader(storage.checkpointer, query.channels);
    const graph = await this.#graph(graphId, thread, checkpointer, "threads.read");
    const config = {
      configurable: { thread_id: threadId, checkpoint_ns: "", ...compact(query.checkpoint) },
    };
    const before =
      typeof query.before === "string"
        ? { configurable: { checkpoint_id: query.before } }
        : query.before
          ? { configurable: compact(query.before) }
          : undefined;
    const states: StateSnapshot[] = [];
    for await (const state of graph.getStateHistory(config, {
      limit: query.limit,
      before,
      filter: query.metadata,
    })) {
      states.push(state);
    }
    return states;
  }

  /** Caches the thread's values after a write; a read, so the graph is built for `threads.read`. */
  async #refreshValues(
    unit: ThreadsUnit,
    graphId: string,
    thread: Thread,
    threadId: string,
  ): Promise<void> {
    const graph = await this.#graph(graphId, thread, unit.checkpointer, "threads.read");
    const latest: StateSnapshot = await graph.getState({ configurable: { thread_id: threadId } });
    await unit.threads.saveState(
      threadId,
      { values: toPlainJson(latest.values) ?? null },
      this.options.clock.now(),
    );
  }

  async #graph(
    graphId: string,
    thread: Thread,
    checkpointer: BaseCheckpointSaver<string | number>,
    access: "threads.read" | "threads.update",
  ): Promise<CompiledGraph> {
    if (!this.options.graphs.has(graphId)) throw notFound(`Graph "${graphId}" not found`);
    return this.options.graphs.get(graphId, thread.config, { checkpointer, access });
  }
}
