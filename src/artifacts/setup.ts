/**
 * Builds the artifacts feature for the composition root: the blob backend the settings name
 * (filesystem by default, S3 with a bucket), the repository, the service and the sweeper, and
 * pushes the retention policies to the bucket's lifecycle configuration at start.
 */
import { rm } from "node:fs/promises";
import type { ArtifactSettings } from "../config/artifacts.ts";
import type { Clock } from "../core/clock.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../storage/database.ts";
import { FilesystemBlobStore } from "./blob-fs.ts";
import { type ArtifactSweeper, startArtifactSweeper } from "./lifecycle.ts";
import { ArtifactsService } from "./service.ts";
import { TransferSigner } from "./signing.ts";
import { ArtifactsRepository } from "./sql-repository.ts";
import type { BlobStore } from "./types.ts";

/** The built feature. */
export interface ArtifactsFeature {
  service: ArtifactsService;
  sweeper: ArtifactSweeper;
  /** Stops the sweeper (and removes an ephemeral folder). */
  close(): Promise<void>;
}

/** The blob backend the settings name (the AWS SDK is loaded only for S3). */
export async function createBlobStore(settings: ArtifactSettings): Promise<BlobStore> {
  const s3 = settings.s3;
  if (settings.backend !== "s3" || !s3) return new FilesystemBlobStore(settings.dir);
  const { S3BlobStore } = await import("./blob-s3.ts");
  const store = new S3BlobStore({
    bucket: s3.bucket,
    prefix: s3.prefix,
    partSize: s3.partSize,
    queueSize: s3.queueSize,
    client: { region: s3.region, endpoint: s3.endpoint, forcePathStyle: s3.forcePathStyle },
  });
  if (!s3.manageLifecycle) (store as { setLifecycle?: unknown }).setLifecycle = undefined;
  return store;
}

/** Wires the feature; `onError` hears sweep and lifecycle failures. */
export async function createArtifactsFeature(options: {
  db: Db;
  settings: ArtifactSettings;
  clock: Clock;
  onError: (error: unknown, what: string) => void;
  /** Hears facts an operator should know (a bucket without lifecycle support). */
  onNotice?: (message: string) => void;
  blobs?: BlobStore;
}): Promise<ArtifactsFeature> {
  const { settings } = options;
  const service = new ArtifactsService({
    repo: new ArtifactsRepository(options.db),
    blobs: options.blobs ?? (await createBlobStore(settings)),
    signer: new TransferSigner(settings.signingSecret),
    clock: options.clock,
    newId,
    limits: {
      maxBytes: settings.maxBytes,
      allowedTypes: settings.allowedTypes,
      maxPresignSeconds: settings.maxPresignSeconds,
      defaultPresignSeconds: settings.defaultPresignSeconds,
      defaultRetentionDays: settings.defaultRetentionDays,
    },
  });
  const lifecycle = await service.syncLifecycle(true).catch((error) => {
    options.onError(error, "lifecycle");
    return true;
  });
  if (!lifecycle && settings.s3?.manageLifecycle)
    options.onNotice?.(
      "the bucket takes no lifecycle configuration; the sweeper alone enforces artifact retention",
    );
  const sweeper = startArtifactSweeper(
    () => service.sweep(),
    settings.sweepIntervalMs,
    (error) => options.onError(error, "sweep"),
  );
  return {
    service,
    sweeper,
    async close() {
      await sweeper.stop();
      if (settings.ephemeral && settings.backend === "filesystem")
        await rm(settings.dir, { recursive: true, force: true });
    },
  };
}
