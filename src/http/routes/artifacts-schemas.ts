/** Wire schemas of the artifact routes (they validate at the edge and feed `/openapi.json`). */
import { z } from "zod";

const label = z.string().min(1).max(256);
/** A namespace: a JSON array of labels, or labels joined with "." (query strings, form fields). */
export const namespaceInput = z.union([
  z.array(label).min(1).max(16),
  z
    .string()
    .min(1)
    .transform((v, ctx) => {
      if (v.startsWith("[")) {
        try {
          return z.array(label).min(1).max(16).parse(JSON.parse(v));
        } catch {
          ctx.addIssue({ code: "custom", message: "namespace must be a JSON array of labels" });
          return z.NEVER;
        }
      }
      return v.split(".");
    }),
]);

/** Metadata given as an object, or as JSON text (query strings, form fields). */
export const metadataInput = z.union([
  z.record(z.string(), z.unknown()),
  z.string().transform((v, ctx) => {
    try {
      const parsed = JSON.parse(v);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {}
    ctx.addIssue({ code: "custom", message: "metadata must be a JSON object" });
    return z.NEVER;
  }),
]);

/** Where an upload goes and what it is called (query of a raw upload, fields of a form). */
export const uploadFields = z.object({
  name: z.string().min(1).max(255),
  thread_id: z.guid().optional(),
  namespace: namespaceInput.optional(),
  metadata: metadataInput.optional(),
  /** Overrides the part's / request's `Content-Type`. */
  content_type: z.string().min(1).max(255).optional(),
});

/** The same fields, all optional, as documented for the query string. */
export const uploadQuery = uploadFields.partial();

/** `POST /artifacts/upload_url`. */
export const uploadUrlBody = z.object({
  name: z.string().min(1).max(255),
  content_type: z.string().min(1).max(255),
  thread_id: z.guid().nullish(),
  namespace: z.array(label).min(1).max(16).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  /** Seconds the URL stays valid (bounded by `artifacts.presign.max_expires_in`). */
  expires_in: z.number().int().positive().nullish(),
});

/** `POST /artifacts/:artifact_id/download_url`. */
export const downloadUrlBody = z.object({ expires_in: z.number().int().positive().nullish() });

/** `POST /artifacts/search`. */
export const searchBody = z.object({
  thread_id: z.guid().nullish(),
  /** Namespace prefix: artifacts of this namespace and the ones below it. */
  namespace: z.array(label).min(1).max(16).nullish(),
  /** JSON containment on metadata. */
  metadata: z.record(z.string(), z.unknown()).nullish(),
  include_pending: z.boolean().nullish(),
  limit: z.number().int().min(1).max(1000).nullish(),
  offset: z.number().int().min(0).nullish(),
});

/** `PUT /artifacts/retention`: exactly one of thread_id and namespace. */
export const retentionBody = z
  .object({
    thread_id: z.guid().nullish(),
    namespace: z.array(label).min(1).max(16).nullish(),
    /** Days to keep artifacts after creation; null removes the policy. */
    days: z.number().int().min(1).max(36_500).nullable(),
  })
  .refine((b) => (b.thread_id == null) !== (b.namespace == null), {
    message: "exactly one of thread_id and namespace is required",
  });

/** `GET /artifacts/retention`. */
export const retentionQuery = z
  .object({ thread_id: z.guid().optional(), namespace: namespaceInput.optional() })
  .refine((b) => (b.thread_id == null) !== (b.namespace == null), {
    message: "exactly one of thread_id and namespace is required",
  });

/** An artifact on the wire. */
export const artifactSchema = z.object({
  artifact_id: z.string(),
  thread_id: z.string().nullable(),
  namespace: z.array(z.string()).nullable(),
  run_id: z.string().nullable(),
  name: z.string(),
  content_type: z.string(),
  size_bytes: z.number(),
  sha256: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(["pending", "ready"]),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  /** Server-relative download path. */
  url: z.string(),
});

/** A presigned request. */
export const transferSchema = z.object({
  url: z.string(),
  method: z.enum(["GET", "PUT"]),
  headers: z.record(z.string(), z.string()),
  expires_at: z.string(),
});

/** A retention policy. */
export const retentionSchema = z.object({
  thread_id: z.string().nullable(),
  namespace: z.array(z.string()).nullable(),
  days: z.number().nullable(),
});

/** Path parameter of the signed-transfer routes. */
export const tokenParams = z.object({ token: z.string().min(10).max(2048) });
