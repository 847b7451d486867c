/**
 * The `artifacts` section of the config file and its environment overrides, resolved into the
 * settings the artifacts feature is built from. The filesystem backend is the default (under the
 * data folder, or a temporary folder for an in-memory server), so `olg dev` needs nothing.
 */
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.ts";

const MIB = 1024 * 1024;
/** S3 refuses presigned URLs that live longer than 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** `artifacts` in `open_langgraph.json` (an extension of `langgraph.json`). */
export const artifactsSchema = z
  .object({
    /** `filesystem` (default) or `s3` (any S3-compatible service). */
    backend: z.enum(["filesystem", "s3"]).optional(),
    /** Filesystem backend folder (default: `artifacts` beside the data folder). */
    path: z.string().min(1).optional(),
    /** Largest artifact in bytes (default 1 GiB). */
    max_bytes: z.number().int().positive().optional(),
    /** Allowed content types (`image/png`, `image/*`); default: any well-formed type. */
    allowed_content_types: z.array(z.string().min(1)).optional(),
    presign: z
      .object({
        /** Longest lifetime of a presigned URL in seconds (default 3600, at most 7 days). */
        max_expires_in: z.number().int().positive().max(MAX_PRESIGN_SECONDS).optional(),
        /** Lifetime when the request names none (default 900). */
        default_expires_in: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** HMAC key of server-signed URLs (filesystem); set it when replicas share a folder. */
    signing_secret: z.string().min(16).optional(),
    retention: z
      .object({
        /** Days artifacts are kept when no thread or namespace policy applies (default: forever). */
        default_days: z.number().int().positive().optional(),
        /** Minutes between sweeps (default 5). */
        sweep_interval_minutes: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    s3: z
      .object({
        bucket: z.string().min(1),
        prefix: z.string().optional(),
        region: z.string().optional(),
        /** Endpoint of an S3-compatible service (MinIO, R2…). */
        endpoint: z.string().url().optional(),
        force_path_style: z.boolean().optional(),
        /** Multipart part size in MiB (min 5, default 8). */
        part_size_mb: z.number().int().min(5).optional(),
        /** Parts in flight per upload (default 2). */
        queue_size: z.number().int().min(1).max(16).optional(),
        /** Write retention policies as the bucket's lifecycle configuration (default true). */
        manage_lifecycle: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The parsed section. */
export type ArtifactsConfig = z.infer<typeof artifactsSchema>;

/** Resolved artifacts settings. */
export interface ArtifactSettings {
  backend: "filesystem" | "s3";
  /** Filesystem root (absolute); `ephemeral` when it is a temporary folder to remove on close. */
  dir: string;
  ephemeral: boolean;
  maxBytes: number;
  allowedTypes: string[];
  maxPresignSeconds: number;
  defaultPresignSeconds: number;
  signingSecret: string | null;
  defaultRetentionDays: number | null;
  sweepIntervalMs: number;
  s3: {
    bucket: string;
    prefix: string;
    region: string;
    endpoint?: string;
    forcePathStyle: boolean;
    partSize: number;
    queueSize: number;
    manageLifecycle: boolean;
  } | null;
}

/**
 * Resolves the section: env `OLG_ARTIFACTS_DIR`, `OLG_ARTIFACTS_SIGNING_SECRET`,
 * `OLG_ARTIFACTS_S3_BUCKET` / `_ENDPOINT` / `_REGION` override the file; a bucket in the
 * environment selects the S3 backend. AWS credentials come from the SDK's usual chain.
 */
export function artifactSettings(
  section: ArtifactsConfig | undefined,
  env: NodeJS.ProcessEnv,
  projectDir: string,
  dataDir: string | null,
): ArtifactSettings {
  const s = section ?? {};
  const bucket = env.OLG_ARTIFACTS_S3_BUCKET ?? s.s3?.bucket;
  const backend = env.OLG_ARTIFACTS_S3_BUCKET ? "s3" : (s.backend ?? "filesystem");
  if (backend === "s3" && !bucket)
    throw new ConfigError("artifacts.backend is s3 but artifacts.s3.bucket is not set");
  const configured = env.OLG_ARTIFACTS_DIR ?? s.path;
  const ephemeral = !configured && dataDir == null;
  const dir = configured
    ? path.resolve(projectDir, configured)
    : dataDir
      ? path.join(path.dirname(dataDir), "artifacts")
      : path.join(tmpdir(), `olg-artifacts-${process.pid}-${Date.now().toString(36)}`);
  const maxPresign = s.presign?.max_expires_in ?? 3600;
  const endpoint = env.OLG_ARTIFACTS_S3_ENDPOINT ?? s.s3?.endpoint;
  return {
    backend,
    dir,
    ephemeral,
    maxBytes: s.max_bytes ?? 1024 * MIB,
    allowedTypes: s.allowed_content_types ?? [],
    maxPresignSeconds: maxPresign,
    defaultPresignSeconds: Math.min(s.presign?.default_expires_in ?? 900, maxPresign),
    signingSecret: env.OLG_ARTIFACTS_SIGNING_SECRET ?? s.signing_secret ?? null,
    defaultRetentionDays: s.retention?.default_days ?? null,
    sweepIntervalMs: (s.retention?.sweep_interval_minutes ?? 5) * 60_000,
    s3:
      backend === "s3" && bucket
        ? {
            bucket,
            prefix: s.s3?.prefix ?? "",
            region: env.OLG_ARTIFACTS_S3_REGION ?? s.s3?.region ?? env.AWS_REGION ?? "us-east-1",
            endpoint,
            forcePathStyle: s.s3?.force_path_style ?? endpoint != null,
            partSize: (s.s3?.part_size_mb ?? 8) * MIB,
            queueSize: s.s3?.queue_size ?? 2,
            manageLifecycle: s.s3?.manage_lifecycle ?? true,
          }
        : null,
  };
}
