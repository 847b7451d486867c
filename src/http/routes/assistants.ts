/** The assistants API (`/assistants/*`), as the official server exposes it. */
import type { Context } from "hono";
import { z } from "zod";
import type { AssistantsService } from "../../assistants/service.ts";
import type { Scope } from "../../auth/scope.ts";
import { type Api, queryBool } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import {
  assistantCountSchema,
  assistantCreateSchema,
  assistantLatestSchema,
  assistantPatchSchema,
  assistantSearchSchema,
  assistantVersionsSchema,
  selectFields,
  toWireAssistant,
  toWireSchemas,
  toWireVersion,
  xrayQuery,
} from "../mappers/assistants.ts";

/** The auth actions of this resource (as the official `assistants:<action>` events). */
export type AssistantAction = "create" | "read" | "update" | "delete" | "search";

/** Dependencies of the assistants routes. */
export interface AssistantRoutesOptions {
  assistants: AssistantsService;
  /** Authorization of `assistants:<action>` events; everything allowed when absent. */
  auth: RouteAuth;
}

const TAGS = ["Assistants"];
const recurseQuery = z.object({ recurse: queryBool.optional() });

/** Registers every `/assistants` route. */
export function registerAssistantRoutes(api: Api, options: AssistantRoutesOptions): void {
  const svc = options.assistants;
  const authz = options.auth;
  // Events that carry only the assistant id resolve to a scope.
  const scope: ScopeOf = async (c, action) =>
    (
      await authz(c, "assistants", action, {
        assistant_id: svc.idOf(c.req.param("assistant_id") ?? ""),
      })
    ).scope;

  api.route(
    {
      method: "post",
      path: "/assistants",
      summary: "Create assistant",
      tags: TAGS,
      body: assistantCreateSchema,
    },
    async (c, { body }) => {
      const { scope: createScope, value } = await authz(c, "assistants", "create", {
        assistant_id: body.assistant_id,
        graph_id: body.graph_id,
        config: body.config,
        context: body.context,
        metadata: body.metadata as Record<string, unknown> | undefined,
        if_exists: body.if_exists,
        name: body.name,
        description: body.description,
      });
      const created = await svc.create(
        {
          assistantId: body.assistant_id,
          graphId: body.graph_id,
          name: body.name,
          description: body.description,
          config: body.config,
          context: body.context,
          metadata: value.metadata,
          ifExists: body.if_exists,
        },
        createScope,
      );
      return c.json(toWireAssistant(created));
    },
  );

  api.route(
    {
      method: "post",
      path: "/assistants/search",
      summary: "Search assistants",
      tags: TAGS,
      body: assistantSearchSchema,
    },
    async (c, { body }) => {
      const limit = body.limit ?? 10;
      const offset = body.offset ?? 0;
      const { scope: searchScope } = await authz(c, "assistants", "search", {
        graph_id: body.graph_id,
        metadata: body.metadata,
        limit,
        offset,
      });
      const page = await svc.search(
        {
          graphId: body.graph_id,
          name: body.name,
          metadata: body.metadata,
          limit,
          offset,
          sortBy: body.sort_by,
          sortOrder: body.sort_order,
        },
        searchScope,
      );
      // The official server derives both headers from the page size (and only sets Next when a
      // page is full); we report the real total and a Next offset only when more rows exist.
      c.header("X-Pagination-Total", String(page.total));
      if (offset + page.items.length < page.total) {
        c.header("X-Pagination-Next", String(offset + page.items.length));
      }
      return c.json(page.items.map((a) => selectFields(toWireAssistant(a), body.select)));
    },
  );

  api.route(
    {
      method: "post",
      path: "/assistants/count",
      summary: "Count assistants",
      tags: TAGS,
      body: assistantCountSchema,
    },
    async (c, { body }) => {
      const { scope: searchScope } = await authz(c, "assistants", "search", {
        graph_id: body.graph_id,
        metadata: body.metadata,
        limit: 0,
        offset: 0,
      });
      const filter = { graphId: body.graph_id, name: body.name, metadata: body.metadata };
      return c.json(await svc.count(filter, searchScope));
    },
  );

  api.route(
    { method: "get", path: "/assistants/:assistant_id", summary: "Get assistant", tags: TAGS },
    async (c, { params }) =>
      c.json(toWireAssistant(await svc.get(params.assistant_id, await scope(c, "read")))),
  );

  api.route(
    {
      method: "patch",
      path: "/assistants/:assistant_id",
      summary: "Update assistant",
      tags: TAGS,
      body: assistantPatchSchema,
    },
    async (c, { body, params }) => {
      const { scope: updateScope, value } = await authz(c, "assistants", "update", {
        assistant_id: svc.idOf(params.assistant_id),
        graph_id: body.graph_id,
        config: body.config,
        context: body.context,
        metadata: body.metadata as Record<string, unknown> | undefined,
        name: body.name,
        description: body.description,
      });
      const updated = await svc.update(
        params.assistant_id,
        {
          graphId: body.graph_id,
          name: body.name,
          description: body.description,
          config: body.config,
          context: body.context,
          metadata: value.metadata,
        },
        updateScope,
      );
      return c.json(toWireAssistant(updated));
    },
  );

  api.route(
    {
      method: "delete",
      path: "/assistants/:assistant_id",
      summary: "Delete assistant",
      tags: TAGS,
      query: z.object({ delete_threads: queryBool.optional() }),
    },
    async (c, { params, query }) =>
      c.json(
        await svc.delete(
          params.assistant_id,
          { deleteThreads: query.delete_threads ?? false },
          await scope(c, "delete"),
        ),
      ),
  );

  registerIntrospectionRoutes(api, svc, scope);
  registerVersionRoutes(api, svc, scope, authz);
}

type ScopeOf = (c: Context, action: "read" | "delete") => Promise<Scope>;

function registerIntrospectionRoutes(api: Api, svc: AssistantsService, scope: ScopeOf): void {
  api.route(
    {
      method: "get",
      path: "/assistants/:assistant_id/graph",
      summary: "Get assistant graph",
      tags: TAGS,
      query: xrayQuery,
    },
    async (c, { params, query }) =>
      c.json(await svc.graph(params.assistant_id, query.xray, await scope(c, "read"))),
  );

  api.route(
    {
      method: "get",
      path: "/assistants/:assistant_id/schemas",
      summary: "Get assistant schemas",
      tags: TAGS,
    },
    async (c, { params }) =>
      c.json(toWireSchemas(await svc.schemas(params.assistant_id, await scope(c, "read")))),
  );

  const subgraphs = async (c: Context, params: SubgraphParams, recurse = false) =>
    c.json(
      await svc.subgraphs(params.assistant_id, { ...params, recurse }, await scope(c, "read")),
    );
  api.route(
    {
      method: "get",
      path: "/assistants/:assistant_id/subgraphs",
      summary: "Get assistant subgraphs",
      tags: TAGS,
      query: recurseQuery,
    },
    (c, { params, query }) => subgraphs(c, params, query.recurse),
  );
  api.route(
    {
      method: "get",
      path: "/assistants/:assistant_id/subgraphs/:namespace",
      summary: "Get assistant subgraphs by namespace",
      tags: TAGS,
      query: recurseQuery,
    },
    (c, { params, query }) => subgraphs(c, params, query.recurse),
  );
}

type SubgraphParams = { assistant_id: string; namespace?: string };

function registerVersionRoutes(
  api: Api,
  svc: AssistantsService,
  scope: ScopeOf,
  authz: RouteAuth,
): void {
  api.route(
    {
      method: "post",
      path: "/assistants/:assistant_id/versions",
      summary: "List assistant versions",
      tags: TAGS,
      body: assistantVersionsSchema,
    },
    async (c, { params, body }) => {
      const versions = await svc.versions(params.assistant_id, body, await scope(c, "read"));
      return c.json(versions.map(toWireVersion));
    },
  );

  api.route(
    {
      method: "post",
      path: "/assistants/:assistant_id/latest",
      summary: "Set latest assistant version",
      tags: TAGS,
      body: assistantLatestSchema,
    },
    async (c, { params, body }) => {
      const { scope: updateScope } = await authz(c, "assistants", "update", {
        assistant_id: svc.idOf(params.assistant_id),
        version: body.version,
      });
      return c.json(
        toWireAssistant(await svc.setLatest(params.assistant_id, body.version, updateScope)),
      );
    },
  );
}
