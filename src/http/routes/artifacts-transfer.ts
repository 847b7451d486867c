/**
 * Artifact bytes over HTTP: upload (`POST /artifacts`, raw body or `multipart/form-data`,
 * streamed through the size and type checks), download (`GET /artifacts/:id/content`, streamed,
 * single `Range`), and the server-signed transfer URLs of the filesystem backend
 * (`PUT`/`GET /artifacts/signed/:token`, public: the token is the credential).
 */
import type { Readable } from "node:stream";
import { Readable as NodeReadable } from "node:stream";
import type { Context } from "hono";
import type { z } from "zod";
import { inlineSafe } from "../../artifacts/content-type.ts";
import type { ArtifactsService } from "../../artifacts/service.ts";
import type { StoredArtifact } from "../../artifacts/sql-repository.ts";
import { DomainError } from "../../core/errors.ts";
import type { Api } from "../api.ts";
import type { ArtifactAccess } from "../artifact-access.ts";
import { validationBody } from "../errors.ts";
import { artifactToWire } from "../mappers/artifacts.ts";
import { bodyStream, readMultipart } from "../multipart.ts";
import { parseRange } from "../range.ts";
import { artifactSchema, tokenParams, uploadFields, uploadQuery } from "./artifacts-schemas.ts";

const TAGS = ["Artifacts"];
const badToken = () => new DomainError("forbidden", "Invalid or expired signature");

const contentLength = (c: Context) => {
  const n = Number(c.req.header("content-length"));
  return Number.isFinite(n) && c.req.header("content-length") != null ? n : undefined;
};

/**
 * Runs an upload handler; a refusal may come before the body was read to its end, so its
 * response closes the connection (the rest of the body is never read into the next request).
 */
async function closingOnError(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DomainError)
      throw new DomainError(error.code, error.message, { ...error.headers, connection: "close" });
    throw error;
  }
}

/** Streams an artifact (or a range of it) as the response. */
export async function sendArtifact(
  c: Context,
  service: ArtifactsService,
  artifact: StoredArtifact,
): Promise<Response> {
  const range = parseRange(c.req.header("range"), artifact.sizeBytes);
  const object = await service.open(artifact, range ?? undefined);
  const headers = new Headers({
    "content-type": artifact.contentType,
    "x-content-type-options": "nosniff",
    "accept-ranges": "bytes",
    "cache-control": "private, no-cache",
    "content-disposition": `${inlineSafe(artifact.contentType) ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(artifact.name)}`,
    "content-security-policy": "default-src 'none'; sandbox",
  });
  if (artifact.sha256) headers.set("etag", `"${artifact.sha256}"`);
  const length = range ? range.end - range.start + 1 : object.size;
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${range.start}-${range.end}/${object.size}`);
  if (c.req.method === "HEAD") {
    object.body.destroy();
    return new Response(null, { status: range ? 206 : 200, headers });
  }
  return new Response(NodeReadable.toWeb(object.body) as ReadableStream, {
    status: range ? 206 : 200,
    headers,
  });
}

/** Registers upload, download and signed-transfer routes. */
export function registerArtifactTransferRoutes(
  api: Api,
  service: ArtifactsService,
  access: ArtifactAccess,
): void {
  // Literal paths first: `/artifacts/signed/:token` must win over `/artifacts/:artifact_id/…`.
  api.route(
    {
      method: "put",
      path: "/artifacts/signed/:token",
      summary: "Upload Artifact (Signed URL)",
      tags: TAGS,
      params: tokenParams,
      public: true,
      streamingBody: true,
      response: artifactSchema,
    },
    (c, { params }) =>
      closingOnError(async () => {
        const grant = service.verifyToken(params.token);
        if (!grant || grant.op !== "upload") throw badToken();
        const artifact = await service.find(grant.artifactId);
        if (!artifact) throw new DomainError("not_found", "Artifact not found");
        const done = await service.receive(
          artifact,
          bodyStream(c),
          c.req.header("content-type") ?? null,
          contentLength(c),
        );
        return c.json(artifactToWire(done));
      }),
  );

  api.route(
    {
      method: "get",
      path: "/artifacts/signed/:token",
      summary: "Download Artifact (Signed URL)",
      tags: TAGS,
      params: tokenParams,
      public: true,
      responseType: "application/octet-stream",
    },
    async (c, { params }) => {
      const grant = service.verifyToken(params.token);
      if (!grant || grant.op !== "download") throw badToken();
      const artifact = await service.find(grant.artifactId);
      if (!artifact) throw new DomainError("not_found", "Artifact not found");
      return sendArtifact(c, service, artifact);
    },
  );

  api.route(
    {
      method: "post",
      path: "/artifacts",
      summary: "Upload Artifact",
      tags: TAGS,
      query: uploadQuery,
      streamingBody: true,
      response: artifactSchema,
    },
    (c, { query }) => closingOnError(() => upload(c, query)),
  );

  async function upload(c: Context, query: z.output<typeof uploadQuery>): Promise<Response> {
    const type = c.req.header("content-type") ?? "";
    let body: Readable;
    let fields: Record<string, unknown> = { ...query };
    let partType: string | undefined = type;
    if (/^multipart\/form-data/i.test(type)) {
      const form = await readMultipart(bodyStream(c), type);
      fields = { name: form.filename, ...query, ...form.fields };
      body = form.file;
      partType = form.contentType;
    } else {
      body = bodyStream(c);
    }
    const parsed = uploadFields.safeParse(fields);
    if (!parsed.success) {
      body.destroy();
      return c.json(validationBody(parsed.error), 400, { connection: "close" });
    }
    const f = parsed.data;
    const value = await access.create(c, {
      thread_id: f.thread_id ?? null,
      namespace: f.namespace ?? null,
      name: f.name,
      content_type: f.content_type ?? partType ?? "",
      metadata: f.metadata ?? {},
    });
    const artifact = await service.create(
      {
        threadId: value.thread_id,
        namespace: value.namespace,
        name: value.name,
        contentType: value.content_type,
        metadata: value.metadata,
      },
      body,
      /^multipart\//i.test(type) ? undefined : contentLength(c),
    );
    return c.json(artifactToWire(artifact));
  }

  api.route(
    {
      method: "get",
      path: "/artifacts/:artifact_id/content",
      summary: "Download Artifact",
      tags: TAGS,
      responseType: "application/octet-stream",
    },
    async (c, { params }) => {
      const artifact = await access.require(c, "read", await service.find(params.artifact_id));
      return sendArtifact(c, service, artifact);
    },
  );
}
