/**
 * The artifacts handle a graph finds on its run config, as `config.configurable.artifacts`
 * (beside `config.store`): `put` a file and get back an `ArtifactRef` to return in state or a
 * message, `get` one back, `list` the thread's (or a namespace's) files. The handle is bound to
 * the run: new artifacts go under the run's thread (deleted with it) and carry the thread's
 * metadata, so the same auth filters that show the thread show its files. A graph may read its
 * thread's artifacts and namespace artifacts, never another thread's.
 */
import type { Readable } from "node:stream";
import { toReadable } from "./guard.ts";
import type { ArtifactsService } from "./service.ts";
import type { Artifact } from "./types.ts";

/**
 * What clients render (documented in docs/artifacts.md): `url` is the server-relative download
 * path; fetch it with the caller's credentials, or ask `POST /artifacts/:id/download_url`.
 */
export interface ArtifactRef {
  type: "artifact";
  artifact_id: string;
  name: string;
  content_type: string;
  size_bytes: number;
  sha256: string | null;
  thread_id: string | null;
  namespace: string[] | null;
  metadata: Record<string, unknown>;
  created_at: string;
  url: string;
}

/** An artifact read back inside a graph. */
export interface ArtifactContent {
  ref: ArtifactRef;
  /** The bytes as a stream (for large files). */
  stream(): Promise<Readable>;
  /** The whole file in memory (small files only). */
  bytes(): Promise<Buffer>;
  /** The whole file as UTF-8 text. */
  text(): Promise<string>;
}

/** Options of `put`. */
export interface PutOptions {
  contentType: string;
  /** File it under a namespace as well (or instead, with `thread: false`). */
  namespace?: string[];
  metadata?: Record<string, unknown>;
  /** File it under the run's thread (default true when the run has one). */
  thread?: boolean;
}

/** The reference of an artifact. */
export function toRef(a: Artifact): ArtifactRef {
  return {
    type: "artifact",
    artifact_id: a.artifactId,
    name: a.name,
    content_type: a.contentType,
    size_bytes: a.sizeBytes,
    sha256: a.sha256,
    thread_id: a.threadId,
    namespace: a.namespace,
    metadata: a.metadata,
    created_at: a.createdAt.toISOString(),
    url: `/artifacts/${a.artifactId}/content`,
  };
}

const idOf = (ref: string | { artifact_id: string }) =>
  typeof ref === "string" ? ref : ref.artifact_id;

/** The handle of one run. */
export class ArtifactsHandle {
  constructor(
    private readonly service: ArtifactsService,
    private readonly run: { threadId: string | null; runId: string | null },
  ) {}

  /** Stores a file; throws 413/415-coded `DomainError`s like the upload route. */
  async put(
    name: string,
    data: string | Uint8Array | Readable | AsyncIterable<Uint8Array>,
    options: PutOptions,
  ): Promise<ArtifactRef> {
    const threadId = options.thread === false ? null : this.run.threadId;
    // The run's thread's metadata (owner…) also for namespace-only files: the same filters show them.
    const inherited = this.run.threadId
      ? await this.service.threadMetadata(this.run.threadId)
      : null;
    const artifact = await this.service.create(
      {
        name,
        contentType: options.contentType,
        threadId,
        namespace: options.namespace ?? null,
        runId: this.run.runId,
        metadata: { ...(inherited ?? {}), ...(options.metadata ?? {}) },
      },
      toReadable(data),
    );
    return toRef(artifact);
  }

  /** An artifact of this thread or a namespace, or null. */
  async get(ref: string | { artifact_id: string }): Promise<ArtifactContent | null> {
    const artifact = await this.service.find(idOf(ref));
    if (!artifact || artifact.status !== "ready" || !this.#visible(artifact)) return null;
    const service = this.service;
    const stream = async () => (await service.open(artifact)).body;
    const bytes = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await stream()) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks);
    };
    return {
      ref: toRef(artifact),
      stream,
      bytes,
      text: async () => (await bytes()).toString("utf-8"),
    };
  }

  /** The run's thread's artifacts, or a namespace's (prefix) when given; newest first. */
  async list(
    options: {
      namespace?: string[];
      metadata?: Record<string, unknown>;
      limit?: number;
      offset?: number;
    } = {},
  ): Promise<ArtifactRef[]> {
    if (!options.namespace && !this.run.threadId) return [];
    const rows = await this.service.list({
      threadId: options.namespace ? undefined : (this.run.threadId ?? undefined),
      namespacePrefix: options.namespace,
      metadata: options.metadata,
      limit: Math.min(options.limit ?? 100, 1000),
      offset: options.offset ?? 0,
    });
    return rows.filter((a) => this.#visible(a)).map(toRef);
  }

  /** Deletes an artifact of this thread or a namespace; false when there was none. */
  async delete(ref: string | { artifact_id: string }): Promise<boolean> {
    const artifact = await this.service.find(idOf(ref));
    if (!artifact || !this.#visible(artifact)) return false;
    await this.service.delete(artifact);
    return true;
  }

  #visible(a: Artifact): boolean {
    return a.threadId == null ? a.namespace != null : a.threadId === this.run.threadId;
  }
}
