/**
 * Artifacts: files that agents and users keep beside a thread or under a namespace (reports,
 * images, uploads). The bytes live in a blob backend (`BlobStore`: filesystem or S3); a row per
 * artifact in our database carries what listing, authorization and retention need.
 */
import type { Readable } from "node:stream";

/** Whether an artifact's bytes are in place (`pending`: a presigned upload not completed yet). */
export type ArtifactStatus = "pending" | "ready";

/** One artifact as services see it (the wire form is snake_case, mapped in `http/`). */
export interface Artifact {
  artifactId: string;
  /** The thread it belongs to (deleted with it), or null. */
  threadId: string | null;
  /** The namespace it belongs to (labels), or null. */
  namespace: string[] | null;
  /** The run that created it (in-graph puts), or null. */
  runId: string | null;
  /** File name shown to users and used in `Content-Disposition`; never a path. */
  name: string;
  contentType: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Hex SHA-256 of the bytes (also the download ETag); null while pending or for S3 direct uploads. */
  sha256: string | null;
  metadata: Record<string, unknown>;
  status: ArtifactStatus;
  createdAt: Date;
  updatedAt: Date;
  /** When retention removes it; null = kept until deleted. */
  expiresAt: Date | null;
}

/** Where an artifact is filed: a thread, a namespace, or both. */
export interface ArtifactPlace {
  threadId?: string | null;
  namespace?: string[] | null;
}

/** What a new artifact is made of (besides its bytes). */
export interface NewArtifact extends ArtifactPlace {
  name: string;
  contentType: string;
  metadata?: Record<string, unknown>;
  runId?: string | null;
}

/** A listing: by thread, by namespace prefix, by metadata (JSON containment); newest first. */
export interface ArtifactQuery {
  threadId?: string;
  namespacePrefix?: string[];
  metadata?: Record<string, unknown>;
  /** Include pending uploads (default false). */
  includePending?: boolean;
  limit: number;
  offset: number;
}

/** A byte range of an object, inclusive on both ends (as in HTTP `Range`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** A readable object from a blob backend. */
export interface BlobObject {
  body: Readable;
  /** Size of the whole object in bytes. */
  size: number;
}

/** Facts about a stored object (HEAD). */
export interface BlobHead {
  size: number;
  contentType: string | null;
}

/** A presigned request for a client to send straight to the backend. */
export interface PresignedRequest {
  url: string;
  method: "GET" | "PUT";
  /** Headers the client must send with the request (e.g. `content-type` for uploads). */
  headers: Record<string, string>;
  expiresAt: Date;
}

/** A retention rule as S3 lifecycle understands it: objects under `prefix` expire after `days`. */
export interface LifecycleRule {
  id: string;
  prefix: string;
  days: number;
}

/**
 * The blob backend port. Keys are built by the service from ids and validated labels only
 * (`keys.ts`), never from client paths; backends still refuse keys that could leave their root.
 */
export interface BlobStore {
  readonly kind: "filesystem" | "s3";
  /**
   * Streams `body` into `key`. Resolves when the object is complete; on any stream error the
   * partial object is removed and the error rethrown. Never buffers the whole body.
   */
  put(key: string, body: Readable, options: { contentType: string }): Promise<void>;
  /** Opens `key` (a range of it when given). Throws `BlobNotFoundError` when missing. */
  get(key: string, range?: ByteRange): Promise<BlobObject>;
  /** Size and type of `key`, or null when missing. */
  head(key: string): Promise<BlobHead | null>;
  /** Removes `key` (missing is fine). */
  delete(key: string): Promise<void>;
  /**
   * A presigned URL for one object, when the backend signs its own (S3); null when the server
   * must sign and serve the transfer itself (filesystem).
   */
  presign?(
    method: "GET" | "PUT",
    key: string,
    options: { expiresInSeconds: number; contentType?: string; downloadName?: string },
  ): Promise<PresignedRequest>;
  /**
   * Replaces the backend's lifecycle rules with `rules` (S3 lifecycle configuration); false when
   * the service does not support lifecycle rules (the sweeper enforces retention either way).
   */
  setLifecycle?(rules: LifecycleRule[]): Promise<boolean>;
}

/** The object does not exist in the backend. */
export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`Blob not found: ${key}`);
    this.name = "BlobNotFoundError";
  }
}
