/**
 * The S3 blob backend, for AWS S3 and S3-compatible services (MinIO, R2, GCS interop, s3rver):
 * uploads go through `@aws-sdk/lib-storage` (one PUT for small bodies, a multipart upload in
 * `partSize` parts otherwise, at most `queueSize` parts in memory, aborted on failure), downloads
 * and ranges are `GetObject` streams, presigned URLs come from the SDK's presigner, and retention
 * policies become the bucket's lifecycle configuration.
 */
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { isSafeKey } from "./keys.ts";
import {
  type BlobHead,
  BlobNotFoundError,
  type BlobObject,
  type BlobStore,
  type ByteRange,
  type LifecycleRule,
  type PresignedRequest,
} from "./types.ts";

/** Where and how to reach the bucket. */
export interface S3BlobOptions {
  bucket: string;
  /** Key prefix inside the bucket (e.g. `olg/`); lifecycle rules are written under it. */
  prefix?: string;
  /** The SDK client settings: region, endpoint, forcePathStyle, credentials. */
  client: S3ClientConfig;
  /** Multipart part size in bytes (min 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (memory: queueSize × partSize). */
  queueSize?: number;
}

const MIB = 1024 * 1024;

const missing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
};

/** Objects in one bucket (under an optional prefix). */
export class S3BlobStore implements BlobStore {
  readonly kind = "s3" as const;
  readonly client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(options: S3BlobOptions) {
    this.client = new S3Client(options.client);
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? "";
    this.#partSize = Math.max(5 * MIB, options.partSize ?? 8 * MIB);
    this.#queueSize = Math.max(1, options.queueSize ?? 2);
  }

  #key(key: string): string {
    if (!isSafeKey(key)) throw new Error(`Unsafe object key refused: ${JSON.stringify(key)}`);
    return `${this.#prefix}${key}`;
  }

  async put(key: string, body: Readable, options: { contentType: string }): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.#bucket,
        Key: this.#key(key),
        Body: body,
        ContentType: options.contentType,
      },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: true,
    });
    // A failing source (size limit, client gone) must stop the upload, not leave it waiting.
    const aborted = new Promise<never>((_, reject) =>
      body.once("error", (error) => {
        void upload.abort().catch(() => {});
        reject(error);
      }),
    );
    aborted.catch(() => {});
    try {
      await Promise.race([upload.done(), aborted]);
    } catch (error) {
      // Parts of a failed multipart upload are dropped here, best effort, so that a service that
      // cannot abort (or a network error while aborting) never hides the original failure; the
      // lifecycle rules also abort incomplete uploads after a day.
      if (upload.uploadId)
        await this.client
          .send(
            new AbortMultipartUploadCommand({
              Bucket: this.#bucket,
              Key: this.#key(key),
              UploadId: upload.uploadId,
            }),
          )
          .catch(() => {});
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<BlobObject> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const total = res.ContentRange
        ? Number(res.ContentRange.split("/")[1])
        : Number(res.ContentLength ?? 0);
      return { body: res.Body as Readable, size: total };
    } catch (error) {
      if (missing(error)) throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<BlobHead | null> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }),
      );
      return { size: Number(res.ContentLength ?? 0), contentType: res.ContentType ?? null };
    } catch (error) {
      if (missing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
  }

  async presign(
    method: "GET" | "PUT",
    key: string,
    options: { expiresInSeconds: number; contentType?: string; downloadName?: string },
  ): Promise<PresignedRequest> {
    const Key = this.#key(key);
    const command =
      method === "PUT"
        ? new PutObjectCommand({ Bucket: this.#bucket, Key, ContentType: options.contentType })
        : new GetObjectCommand({
            Bucket: this.#bucket,
            Key,
            ResponseContentDisposition: options.downloadName
              ? `attachment; filename*=UTF-8''${encodeURIComponent(options.downloadName)}`
              : undefined,
          });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: options.expiresInSeconds,
      // The type is part of the signature: an upload with another type is refused by S3.
      signableHeaders: options.contentType ? new Set(["content-type"]) : undefined,
    });
    return {
      url,
      method,
      headers: options.contentType ? { "content-type": options.contentType } : {},
      expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000),
    };
  }

  async setLifecycle(rules: LifecycleRule[]): Promise<boolean> {
    try {
      if (rules.length === 0) {
        await this.client.send(new DeleteBucketLifecycleCommand({ Bucket: this.#bucket }));
        return true;
      }
      await this.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: this.#bucket,
          LifecycleConfiguration: {
            Rules: rules.map((r) => ({
              ID: r.id.slice(0, 255),
              Status: "Enabled",
              Filter: { Prefix: `${this.#prefix}${r.prefix}` },
              Expiration: { Days: Math.max(1, Math.ceil(r.days)) },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            })),
          },
        }),
      );
      return true;
    } catch (error) {
      const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
      if (
        e?.name === "NotImplemented" ||
        e?.Code === "NotImplemented" ||
        e?.$metadata?.httpStatusCode === 501
      )
        return false;
      throw error;
    }
  }
}
