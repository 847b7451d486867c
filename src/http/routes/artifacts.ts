/**
 * `/artifacts`: metadata routes (get, search, delete), presigned transfers (upload URL, download
 * URL, completion) and retention policies. Bytes travel through `artifacts-transfer.ts`. Every
 * route runs the `artifacts:<action>` auth event; artifacts outside the caller's scope are 404.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { ArtifactsService, Transfer } from "../../artifacts/service.ts";
import type { StoredArtifact } from "../../artifacts/sql-repository.ts";
import type { Api } from "../api.ts";
import { type ArtifactAccess, artifactAccess } from "../artifact-access.ts";
import type { RouteAuth, ThreadVisible } from "../authz.ts";
import { artifactToWire } from "../mappers/artifacts.ts";
import { keptPage } from "../scoped-list.ts";
import {
  artifactSchema,
  downloadUrlBody,
  retentionBody,
  retentionQuery,
  retentionSchema,
  searchBody,
  transferSchema,
  uploadUrlBody,
} from "./artifacts-schemas.ts";
import { registerArtifactTransferRoutes } from "./artifacts-transfer.ts";

const TAGS = ["Artifacts"];

/** What the artifact routes are built from. */
export interface ArtifactRouteOptions {
  artifacts: ArtifactsService;
  auth: RouteAuth;
  /** Whether a thread exists within a scope (artifacts of a thread need it readable). */
  threadVisible?: ThreadVisible;
}

/** A transfer on the wire: backend URLs as they are, server-signed ones made absolute. */
function transferToWire(c: Context, t: Transfer) {
  if (t.kind === "backend")
    return { ...t.request, expires_at: t.request.expiresAt.toISOString(), expiresAt: undefined };
  const origin = new URL(c.req.url).origin;
  return {
    url: `${origin}/artifacts/signed/${t.token}`,
    method: t.method,
    headers: t.headers,
    expires_at: t.expiresAt.toISOString(),
  };
}

/** Registers every artifact route. */
export function registerArtifactRoutes(api: Api, options: ArtifactRouteOptions): void {
  const service = options.artifacts;
  const access = artifactAccess(options.auth, options.threadVisible);
  registerArtifactTransferRoutes(api, service, access);
  registerRetentionRoutes(api, service, access);

  api.route(
    {
      method: "post",
      path: "/artifacts/search",
      summary: "Search Artifacts",
      tags: TAGS,
      body: searchBody,
      response: z.array(artifactSchema),
    },
    async (c, { body }) => {
      const limit = body.limit ?? 10;
      const offset = body.offset ?? 0;
      if (body.thread_id) await access.requireThread(c, body.thread_id);
      const { scope } = await access.authz(c, "artifacts", "search", {
        thread_id: body.thread_id ?? null,
        namespace: body.namespace ?? null,
        metadata: body.metadata ?? null,
        limit,
        offset,
      });
      const query = {
        threadId: body.thread_id ?? undefined,
        namespacePrefix: body.namespace ?? undefined,
        metadata: body.metadata ?? undefined,
        includePending: body.include_pending ?? false,
      };
      const list = (l: number, o: number) => service.list({ ...query, limit: l, offset: o }, scope);
      // With a caller, every row must also pass the read check a GET of it would.
      const items = c.get("auth")
        ? await keptPage(list, (a) => access.allowed(c, "read", a), limit, offset)
        : await list(limit, offset);
      return c.json(items.map(artifactToWire));
    },
  );

  api.route(
    {
      method: "post",
      path: "/artifacts/upload_url",
      summary: "Create Artifact Upload URL",
      tags: TAGS,
      body: uploadUrlBody,
      response: z.object({ artifact: artifactSchema, upload: transferSchema }),
    },
    async (c, { body }) => {
      const expiresIn = service.presignSeconds(body.expires_in);
      const value = await access.create(c, {
        thread_id: body.thread_id ?? null,
        namespace: body.namespace ?? null,
        name: body.name,
        content_type: body.content_type,
        metadata: body.metadata ?? {},
      });
      const { artifact, transfer } = await service.createUpload(
        {
          threadId: value.thread_id,
          namespace: value.namespace,
          name: value.name,
          contentType: value.content_type,
          metadata: value.metadata,
        },
        expiresIn,
      );
      return c.json({ artifact: artifactToWire(artifact), upload: transferToWire(c, transfer) });
    },
  );

  const byId = (c: Context, id: string, action: "read" | "update" | "delete") =>
    service.find(id).then((a) => access.require(c, action, a)) as Promise<StoredArtifact>;

  api.route(
    {
      method: "post",
      path: "/artifacts/:artifact_id/download_url",
      summary: "Create Artifact Download URL",
      tags: TAGS,
      body: downloadUrlBody,
      response: transferSchema,
    },
    async (c, { body, params }) => {
      const expiresIn = service.presignSeconds(body.expires_in);
      const artifact = await byId(c, params.artifact_id, "read");
      return c.json(transferToWire(c, await service.downloadTransfer(artifact, expiresIn)));
    },
  );

  api.route(
    {
      method: "post",
      path: "/artifacts/:artifact_id/complete",
      summary: "Complete Artifact Upload",
      tags: TAGS,
      response: artifactSchema,
    },
    async (c, { params }) => {
      const artifact = await byId(c, params.artifact_id, "update");
      return c.json(artifactToWire(await service.complete(artifact)));
    },
  );

  api.route(
    {
      method: "get",
      path: "/artifacts/:artifact_id",
      summary: "Get Artifact",
      tags: TAGS,
      response: artifactSchema,
    },
    async (c, { params }) => c.json(artifactToWire(await byId(c, params.artifact_id, "read"))),
  );

  api.route(
    { method: "delete", path: "/artifacts/:artifact_id", summary: "Delete Artifact", tags: TAGS },
    async (c, { params }) => {
      await service.delete(await byId(c, params.artifact_id, "delete"));
      return c.body(null, 204);
    },
  );
}

function registerRetentionRoutes(api: Api, service: ArtifactsService, access: ArtifactAccess) {
  const targetOf = (b: { thread_id?: string | null; namespace?: string[] | null }) =>
    b.thread_id ? { threadId: b.thread_id } : { namespace: b.namespace! };
  const authorize = async (
    c: Context,
    action: "read" | "update",
    b: { thread_id?: string | null; namespace?: string[] | null; days?: number | null },
  ) => {
    if (b.thread_id) await access.requireThread(c, b.thread_id);
    await access.authz(c, "artifacts", action, {
      thread_id: b.thread_id ?? null,
      namespace: b.namespace ?? null,
      ...(b.days !== undefined ? { days: b.days } : {}),
    });
  };
  const wire = (
    b: { thread_id?: string | null; namespace?: string[] | null },
    days: number | null,
  ) => ({
    thread_id: b.thread_id ?? null,
    namespace: b.namespace ?? null,
    days,
  });

  api.route(
    {
      method: "put",
      path: "/artifacts/retention",
      summary: "Set Artifact Retention",
      tags: TAGS,
      body: retentionBody,
      response: retentionSchema,
    },
    async (c, { body }) => {
      await authorize(c, "update", body);
      await service.setRetention(targetOf(body), body.days);
      return c.json(wire(body, body.days));
    },
  );

  api.route(
    {
      method: "get",
      path: "/artifacts/retention",
      summary: "Get Artifact Retention",
      tags: TAGS,
      query: retentionQuery,
      response: retentionSchema,
    },
    async (c, { query }) => {
      await authorize(c, "read", query);
      return c.json(wire(query, await service.retention(targetOf(query))));
    },
  );
}
