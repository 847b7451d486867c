/**
 * LangGraph checkpointer on our own tables, identical on PGlite and PostgreSQL. Layout and the
 * reasons behind it: ARCHITECTURE.md beside this file.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  type DeltaChannelHistory,
  getCheckpointId,
  type PendingWrite,
  type SerializerProtocol,
  WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import type { WriteFence } from "../fence.ts";
import { dumpBlobs, dumpMetadata } from "./codec.ts";
import { deltaChannelHistory } from "./delta.ts";
import {
  copyThread,
  deleteForRun,
  deleteThreads,
  type PruneStrategy,
  pruneThreads,
} from "./maintenance.ts";
import { type Executor, inTransaction, selectTuples, type TupleQuery } from "./sql.ts";
import { toTuples } from "./tuples.ts";
import { insertCheckpoint, insertWrites, type WriteRow } from "./writes.ts";

/** Options beyond the base class. */
export interface SqlCheckpointSaverOptions {
  /**
   * Merge `config.metadata` and the user's `configurable` keys into each checkpoint's metadata on
   * `put`, as the LangGraph API server does (history shows `graph_id`, `run_id`, ...; rollback
   * finds a run's checkpoints by `metadata.run_id`). Off for a plain saver.
   */
  mergeConfigMetadata?: boolean;
  /** Consulted inside the transaction of every `put` / `putWrites` (a run's lease). */
  fence?: WriteFence;
  /** Reads load only these channels and no pending writes (set through `withChannels`). */
  channels?: string[];
}

/** `configurable` keys never copied into metadata (the API server's rule, and our handle). */
const EXCLUDED_CONFIGURABLE = new Set([
  "checkpoint_ns",
  "checkpoint_id",
  "run_id",
  "thread_id",
  "artifacts", // the run's artifacts handle (an object with methods), not run metadata
]);

/** A `BaseCheckpointSaver` over `checkpoints`, `checkpoint_blobs` and `checkpoint_writes`. */
export class SqlCheckpointSaver extends BaseCheckpointSaver<string | number> {
  readonly db: Executor;
  private readonly options: SqlCheckpointSaverOptions;

  constructor(db: Executor, serde?: SerializerProtocol, options: SqlCheckpointSaverOptions = {}) {
    super(serde);
    this.db = db;
    this.options = options;
  }

  /**
   * Channel versions unique per write: a padded counter plus a random suffix, as PostgresSaver does.
   * Blobs are keyed by version, so a fork from an older checkpoint must not reuse the abandoned
   * branch's version (it would read the old branch's value).
   */
  override getNextVersion(current: string | number | undefined): string {
    const n =
      current === undefined ? 0 : Number.parseInt(String(current).split(".")[0] ?? "0", 10) || 0;
    return `${String(n + 1).padStart(32, "0")}.${Math.random().toString().slice(2)}`;
  }

  /**
   * A read-only view that loads only `channels` (and no pending writes): a state read that
   * selects `values.<key>` never loads the thread's other channels. Snapshots built on it have
   * only those values; their `next` and `tasks` are not meaningful.
   */
  withChannels(channels: string[]): SqlCheckpointSaver {
    return new SqlCheckpointSaver(this.db, this.serde, { ...this.options, channels });
  }

  /** The same saver working inside `trx` (so checkpoints change with other rows atomically). */
  withExecutor(trx: Executor): SqlCheckpointSaver {
    return new SqlCheckpointSaver(trx, this.serde, this.options);
  }

  /** The same saver whose writes are refused, in their own transaction, once `fence` says so. */
  fenced(fence: WriteFence): SqlCheckpointSaver {
    return new SqlCheckpointSaver(this.db, this.serde, { ...this.options, fence });
  }

  /** One write transaction, checked by the fence first when there is one. */
  private write(fn: (trx: Executor) => Promise<void>): Promise<void> {
    const fence = this.options.fence;
    if (!fence) return inTransaction(this.db, fn);
    return fence.track(() =>
      inTransaction(this.db, async (trx) => {
        await fence.check(trx);
        await fn(trx);
      }),
    );
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined || threadId === null) return undefined;
    const checkpointId = getCheckpointId(config);
    const [row] = await selectTuples(this.db, {
      threadId: String(threadId),
      checkpointNs: config.configurable?.checkpoint_ns ?? "",
      ...(checkpointId ? { checkpointId } : {}),
      limit: 1,
      channels: this.options.channels,
    });
    if (row === undefined) return undefined;
    const [tuple] = await toTuples(this.db, this.serde, [row], () =>
      this.getNextVersion(undefined),
    );
    return tuple;
  }

  async *list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options ?? {};
    const c = config.configurable ?? {};
    const query: TupleQuery = { channels: this.options.channels };
    if (c.thread_id) query.threadId = String(c.thread_id);
    if (c.checkpoint_ns !== undefined && c.checkpoint_ns !== null)
      query.checkpointNs = c.checkpoint_ns;
    if (c.checkpoint_id) query.checkpointId = c.checkpoint_id;
    if (before?.configurable?.checkpoint_id) query.beforeId = before.configurable.checkpoint_id;
    if (filter) query.filter = filter;
    if (limit !== undefined) query.limit = Math.max(0, Math.floor(Number(limit)));
    const rows = await selectTuples(this.db, query);
    yield* await toTuples(this.db, this.serde, rows, () => this.getNextVersion(undefined));
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (config.configurable === undefined) {
      throw new Error(`Missing "configurable" field in "config" param`);
    }
    const { thread_id: threadId, checkpoint_ns: checkpointNs = "" } = config.configurable;
    if (threadId === undefined || threadId === null || threadId === "") {
      throw new Error(`Missing "thread_id" field in "config.configurable" param`);
    }
    const parentId: string | undefined = config.configurable.checkpoint_id;
    // Serialize before opening the transaction so it only holds the inserts.
    const [blobs, metadataJson] = await Promise.all([
      dumpBlobs(this.serde, checkpoint.channel_values ?? {}, newVersions),
      dumpMetadata(this.serde, this.prepareMetadata(config, metadata)),
    ]);
    const base = { thread_id: String(threadId), checkpoint_ns: checkpointNs };
    await this.write(async (trx) => {
      await insertCheckpoint(trx, base, checkpoint, parentId, blobs, metadataJson);
    });
    return {
      configurable: {
        thread_id: threadId,
        checkpoint_ns: checkpointNs,
        checkpoint_id: checkpoint.id,
      },
    };
  }

  /** `taskPath` (passed by LangGraph >= 1.5) orders the writes on read; see `WRITES_ORDER`. */
  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    const c = config.configurable ?? {};
    if (c.thread_id === undefined || c.thread_id === null) {
      throw new Error(`Missing "thread_id" field in "config.configurable" param`);
    }
    if (!c.checkpoint_id) {
      throw new Error(`Missing "checkpoint_id" field in "config.configurable" param`);
    }
    const base = {
      thread_id: String(c.thread_id),
      checkpoint_ns: (c.checkpoint_ns as string | undefined) ?? "",
      checkpoint_id: String(c.checkpoint_id),
      task_id: taskId,
      task_path: taskPath ?? "",
    };
    const rows: WriteRow[] = await Promise.all(
      writes.map(async ([channel, value], idx) => {
        const [type, bytes] = await this.serde.dumpsTyped(value);
        return { ...base, idx: WRITES_IDX_MAP[channel] ?? idx, channel, type, value: bytes };
      }),
    );
    if (rows.length === 0) return;
    await this.write((trx) => insertWrites(trx, rows));
  }

  /** Same contract as the base-class walk, in two queries (see delta.ts). */
  override async getDeltaChannelHistory(options: {
    config: RunnableConfig;
    channels: string[];
  }): Promise<Record<string, DeltaChannelHistory>> {
    const { config, channels } = options;
    if (channels.length === 0) return {};
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined || threadId === null) {
      return Object.fromEntries(channels.map((ch) => [ch, { writes: [] }]));
    }
    return deltaChannelHistory(
      this.db,
      this.serde,
      {
        threadId: String(threadId),
        checkpointNs: config.configurable?.checkpoint_ns ?? "",
        checkpointId: getCheckpointId(config) || undefined,
      },
      channels,
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    await deleteThreads(this.db, [threadId]);
  }

  /** Copies every checkpoint, blob and write of a thread (all namespaces) to another thread id. */
  copyThread(sourceThreadId: string, targetThreadId: string, trx?: Executor): Promise<void> {
    return copyThread(trx ?? this.db, sourceThreadId, targetThreadId);
  }

  /** Deletes the checkpoints written by one run (`metadata.run_id`), for multitask rollback. */
  deleteForRun(threadId: string, runId: string, trx?: Executor): Promise<void> {
    return deleteForRun(trx ?? this.db, threadId, runId);
  }

  /** Prunes threads: `delete` drops all checkpoints, `keep_latest` keeps the newest per namespace. */
  pruneThreads(threadIds: string[], strategy: PruneStrategy, trx?: Executor): Promise<void> {
    return pruneThreads(trx ?? this.db, threadIds, strategy);
  }

  /** Merges run config into metadata when configured (see `mergeConfigMetadata`). */
  private prepareMetadata(
    config: RunnableConfig,
    metadata: CheckpointMetadata,
  ): CheckpointMetadata {
    if (!this.options.mergeConfigMetadata) return metadata;
    const fromConfigurable = Object.entries(config.configurable ?? {}).filter(
      ([key]) => !key.startsWith("__") && !EXCLUDED_CONFIGURABLE.has(key),
    );
    return { ...Object.fromEntries(fromConfigurable), ...config.metadata, ...metadata };
  }
}
