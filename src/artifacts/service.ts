/**
 * The artifacts service: uploads stream through the size/type guard into the blob backend and
 * become a row; downloads stream back (ranges included); presigned transfers go straight to the
 * backend (S3) or through server-signed URLs (filesystem); retention sets `expires_at` and the
 * sweeper removes what expired or lost its thread. Authorization is decided by the caller (HTTP
 * routes, or the run a graph handle belongs to) and handed in as a scope.
 */
import type { Readable } from "node:stream";
import type { Scope } from "../auth/scope.ts";
import type { Clock } from "../core/clock.ts";
import { notFound, unprocessable } from "../core/errors.ts";
import { checkContentType, essence, unsupportedType } from "./content-type.ts";
import { guarded, tooLarge } from "./guard.ts";
import { checkName, checkNamespace, objectKey, type RetentionTarget, targetKey } from "./keys.ts";
import { expiryOf, lifecycleRules, retentionDays } from "./lifecycle.ts";
import type { TransferGrant, TransferSigner } from "./signing.ts";
import type { ArtifactsRepository, StoredArtifact } from "./sql-repository.ts";
import { checkBackendUpload, presignTransfer, type Transfer } from "./transfers.ts";
import type { ArtifactQuery, BlobObject, BlobStore, ByteRange, NewArtifact } from "./types.ts";

export type { Transfer } from "./transfers.ts";

/** Limits and policies from the `artifacts` config section. */
export interface ArtifactLimits {
  /** Largest artifact in bytes. */
  maxBytes: number;
  /** Allowed content types (`image/*` patterns); empty = any well-formed type. */
  allowedTypes: string[];
  /** Longest presigned URL lifetime, seconds (S3 caps it at 7 days). */
  maxPresignSeconds: number;
  /** Lifetime when the request names none, seconds. */
  defaultPresignSeconds: number;
  /** Default retention in days (null = keep until deleted). */
  defaultRetentionDays: number | null;
}

/** What the service is built from. */
export interface ArtifactsServiceOptions {
  repo: ArtifactsRepository;
  blobs: BlobStore;
  signer: TransferSigner;
  clock: Clock;
  newId: () => string;
  limits: ArtifactLimits;
}

const SWEEP_BATCH = 200;
const threadNotFound = (id: string) => notFound(`Thread with ID ${id} not found`);

/** Artifacts over a repository and a blob backend. */
export class ArtifactsService {
  constructor(private readonly o: ArtifactsServiceOptions) {}

  get limits(): ArtifactLimits {
    return this.o.limits;
  }

  /** The backend kind (`filesystem`, `s3`). */
  get backend(): BlobStore["kind"] {
    return this.o.blobs.kind;
  }

  /**
   * Stores a new artifact from a stream. Throws 400 (bad namespace or name), 404 (thread
   * missing), 413 (over `maxBytes`, nothing kept), 415 (type refused or content not of it).
   */
  async create(input: NewArtifact, body: Readable, knownSize?: number): Promise<StoredArtifact> {
    const prepared = await this.#prepare(input);
    if (knownSize != null && knownSize > this.o.limits.maxBytes) {
      body.resume();
      throw tooLarge(this.o.limits.maxBytes);
    }
    const guard = guarded(body, this.o.limits.maxBytes, prepared.contentType);
    await this.o.blobs.put(prepared.storageKey, guard, { contentType: prepared.contentType });
    const now = this.o.clock.now();
    try {
      return await this.o.repo.insert(
        {
          ...prepared,
          sizeBytes: guard.byteCount,
          sha256: guard.sha256,
          status: "ready",
          expiresAt: expiryOf(now, await this.#days(prepared)),
        },
        now,
      );
    } catch (error) {
      await this.o.blobs.delete(prepared.storageKey).catch(() => {});
      throw error;
    }
  }

  async #prepare(input: NewArtifact) {
    if (input.namespace) checkNamespace(input.namespace);
    const name = checkName(input.name);
    const contentType = checkContentType(input.contentType, this.o.limits.allowedTypes);
    if (input.threadId && (await this.o.repo.threadMetadata(input.threadId)) == null)
      throw threadNotFound(input.threadId);
    const artifactId = this.o.newId();
    const place = { threadId: input.threadId ?? null, namespace: input.namespace ?? null };
    return {
      artifactId,
      ...place,
      runId: input.runId ?? null,
      name,
      contentType,
      metadata: input.metadata ?? {},
      storageKey: objectKey(artifactId, place),
    };
  }

  async #days(place: { threadId: string | null; namespace: string[] | null }) {
    const policies = await this.o.repo.retentionPolicies();
    return retentionDays(place, policies, this.o.limits.defaultRetentionDays);
  }

  /** A thread's metadata (null when the thread is missing). */
  threadMetadata(threadId: string): Promise<Record<string, unknown> | null> {
    return this.o.repo.threadMetadata(threadId);
  }

  /** One artifact (null when missing or outside `scope`); pending ones too. */
  find(artifactId: string, scope?: Scope): Promise<StoredArtifact | null> {
    return this.o.repo.find(artifactId, scope);
  }

  /** A page of artifacts, newest first. */
  list(query: ArtifactQuery, scope?: Scope): Promise<StoredArtifact[]> {
    if (query.namespacePrefix?.length) checkNamespace(query.namespacePrefix);
    return this.o.repo.list(query, scope);
  }

  /** Opens the bytes (a range of them); 404 while the upload is pending or the object is gone. */
  async open(artifact: StoredArtifact, range?: ByteRange): Promise<BlobObject> {
    if (artifact.status !== "ready") throw notFound("Artifact not found");
    try {
      return await this.o.blobs.get(artifact.storageKey, range);
    } catch (error) {
      if ((error as Error).name === "BlobNotFoundError") throw notFound("Artifact not found");
      throw error;
    }
  }

  /** Deletes the object, then the row. */
  async delete(artifact: StoredArtifact): Promise<void> {
    await this.o.blobs.delete(artifact.storageKey);
    await this.o.repo.delete(artifact.artifactId);
  }

  /** A presign lifetime within bounds (400 outside 1 s … `maxPresignSeconds`). */
  presignSeconds(requested: number | null | undefined): number {
    const seconds = requested ?? this.o.limits.defaultPresignSeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > this.o.limits.maxPresignSeconds)
      throw unprocessable(`expires_in must be 1 to ${this.o.limits.maxPresignSeconds} seconds`);
    return seconds;
  }

  /** Creates a pending artifact and the URL to upload its bytes to. */
  async createUpload(
    input: NewArtifact,
    expiresIn: number,
  ): Promise<{ artifact: StoredArtifact; transfer: Transfer }> {
    const prepared = await this.#prepare(input);
    const now = this.o.clock.now();
    const artifact = await this.o.repo.insert(
      { ...prepared, sizeBytes: 0, sha256: null, status: "pending", expiresAt: null },
      now,
    );
    const headers = { "content-type": prepared.contentType };
    const transfer = await presignTransfer(this.o, artifact, "PUT", expiresIn, headers);
    return { artifact, transfer };
  }

  /** A URL to download one ready artifact. */
  async downloadTransfer(artifact: StoredArtifact, expiresIn: number): Promise<Transfer> {
    if (artifact.status !== "ready") throw notFound("Artifact not found");
    return presignTransfer(this.o, artifact, "GET", expiresIn, {});
  }

  /** The grant of a server-signed token, or null. */
  verifyToken(token: string): TransferGrant | null {
    return this.o.signer.verify(token, Math.floor(this.o.clock.now().getTime() / 1000));
  }

  /** Receives the bytes of a pending upload through a server-signed URL, and completes it. */
  async receive(
    artifact: StoredArtifact,
    body: Readable,
    contentType: string | null,
    knownSize?: number,
  ): Promise<StoredArtifact> {
    if (artifact.status !== "pending") throw unprocessable("Artifact upload already completed");
    if (essence(contentType) !== essence(artifact.contentType))
      throw unsupportedType(
        `${contentType ?? "(none)"} (the upload was signed for ${artifact.contentType})`,
      );
    if (knownSize != null && knownSize > this.o.limits.maxBytes) {
      body.resume();
      throw tooLarge(this.o.limits.maxBytes);
    }
    const guard = guarded(body, this.o.limits.maxBytes, artifact.contentType);
    await this.o.blobs.put(artifact.storageKey, guard, { contentType: artifact.contentType });
    return this.#finish(artifact, guard.byteCount, guard.sha256);
  }

  /**
   * Completes a pending upload sent straight to the backend: the object must exist, be within the
   * size limit and start like its declared type, else it is removed (413/415) and the row stays
   * pending. A ready artifact is returned as it is.
   */
  async complete(artifact: StoredArtifact): Promise<StoredArtifact> {
    if (artifact.status === "ready") return artifact;
    const size = await checkBackendUpload(this.o.blobs, artifact, this.o.limits.maxBytes);
    return this.#finish(artifact, size, null);
  }

  async #finish(artifact: StoredArtifact, size: number, sha256: string | null) {
    const now = this.o.clock.now();
    const done = await this.o.repo.complete(artifact.artifactId, { sizeBytes: size, sha256 }, now);
    if (!done) throw notFound("Artifact not found");
    const days = await this.#days(artifact);
    await this.o.repo.applyExpiry({ artifactIds: [artifact.artifactId] }, days);
    return { ...done, expiresAt: expiryOf(done.createdAt, days) };
  }

  /**
   * Sets (days) or clears (null) the retention of a thread or namespace, recomputes the expiry of
   * the artifacts it covers, and pushes the lifecycle rules to the backend when it has them.
   */
  async setRetention(target: RetentionTarget, days: number | null): Promise<void> {
    if ("namespace" in target) checkNamespace(target.namespace);
    await this.o.repo.setRetention(targetKey(target), days, this.o.clock.now());
    const policies = await this.o.repo.retentionPolicies();
    const selection =
      "threadId" in target ? { threadId: target.threadId } : { namespacePrefix: target.namespace };
    const byDays = new Map<number | null, string[]>();
    for (const place of await this.o.repo.placesUnder(selection)) {
      const d = retentionDays(place, policies, this.o.limits.defaultRetentionDays);
      byDays.set(d, [...(byDays.get(d) ?? []), place.artifactId]);
    }
    for (const [d, ids] of byDays) await this.o.repo.applyExpiry({ artifactIds: ids }, d);
    await this.syncLifecycle();
  }

  /** The retention policy (days) set on a target, or null. */
  async retention(target: RetentionTarget): Promise<number | null> {
    return (await this.o.repo.retentionPolicies()).get(targetKey(target)) ?? null;
  }

  /**
   * Writes the lifecycle rules to the backend; false when it has none or refuses them. With
   * `onlyIfAny` (start-up) a bucket is left alone while there is no rule to write, so a server
   * without retention never clears a bucket's existing configuration.
   */
  async syncLifecycle(onlyIfAny = false): Promise<boolean> {
    if (!this.o.blobs.setLifecycle) return false;
    const policies = await this.o.repo.retentionPolicies();
    const rules = lifecycleRules(policies, this.o.limits.defaultRetentionDays);
    if (onlyIfAny && rules.length === 0) return true;
    return this.o.blobs.setLifecycle(rules);
  }

  /**
   * Removes expired artifacts, artifacts whose thread was deleted, and pending uploads older than
   * the longest presign lifetime (plus an hour). Returns how many were removed.
   */
  async sweep(): Promise<number> {
    const now = this.o.clock.now();
    const pendingBefore = new Date(now.getTime() - (this.o.limits.maxPresignSeconds + 3600) * 1000);
    let removed = 0;
    for (;;) {
      const batch = await this.o.repo.due(now, pendingBefore, SWEEP_BATCH);
      for (const artifact of batch) {
        await this.delete(artifact);
        removed++;
      }
      if (batch.length < SWEEP_BATCH) return removed;
    }
  }
}
