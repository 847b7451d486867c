/** Thread routes: create, read, patch, delete, search, count, copy, prune. */

import type { Context } from "hono";
import { z } from "zod";
import { conflict } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { checkMetadata, MAX_TTL_MINUTES } from "../../core/limits.ts";
import { compileExtract } from "../../threads/extract.ts";
import type { ThreadsService } from "../../threads/service.ts";
import { THREAD_SORT_FIELDS, THREAD_STATUSES, type ThreadTtlInput } from "../../threads/types.ts";
import { type Api, inputLimitsOf } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { jsonExtra, selectFields, threadToWire } from "../mappers/threads.ts";

/** What the thread routes are built from. */
export interface ThreadRoutesOptions {
  threads: ThreadsService;
  /** Authorization of `threads:<action>` events; everything allowed when absent. */
  auth: RouteAuth;
}

const record = z.record(z.string(), z.unknown());

/** The wire form of a command in supersteps and runs. */
export const commandSchema = z.object({
  goto: z
    .union([
      z.string(),
      z.object({ node: z.string(), input: z.unknown().optional() }),
      z.array(z.union([z.string(), z.object({ node: z.string(), input: z.unknown().optional() })])),
    ])
    .optional(),
  update: z.union([record, z.array(z.tuple([z.string(), z.unknown()]))]).optional(),
  resume: z.unknown().optional(),
});

/** `{ttl: minutes, strategy}` (Python contract); a bare number means minutes with `delete`. */
const ttlSchema = z
  .union([
    z.number().positive().max(MAX_TTL_MINUTES),
    z.object({
      ttl: z.number().positive().max(MAX_TTL_MINUTES),
      strategy: z.enum(["delete", "keep_latest"]).nullish(),
    }),
  ])
  .transform(
    (v): ThreadTtlInput =>
      typeof v === "number"
        ? { minutes: v, strategy: "delete" }
        : { minutes: v.ttl, strategy: v.strategy ?? "delete" },
  );

const createBody = z.object({
  thread_id: z.guid().nullish(),
  metadata: record.nullish(),
  if_exists: z.enum(["raise", "do_nothing"]).nullish(),
  supersteps: z
    .array(
      z.object({
        updates: z
          .array(
            z.object({
              values: z.unknown().nullish(),
              command: commandSchema.nullish(),
              as_node: z.string(),
            }),
          )
          .min(1),
      }),
    )
    .nullish(),
  ttl: ttlSchema.nullish(),
});

const filterFields = {
  metadata: record.nullish(),
  values: record.nullish(),
  status: z.enum(THREAD_STATUSES).nullish(),
};

const searchBody = z.object({
  ...filterFields,
  ids: z.array(z.guid()).nullish(),
  limit: z.number().int().gte(1).lte(1000).nullish(),
  offset: z.number().int().gte(0).nullish(),
  sort_by: z.enum(THREAD_SORT_FIELDS).nullish(),
  sort_order: z.enum(["asc", "desc"]).nullish(),
  select: z.array(z.string()).nullish(),
  extract: z.record(z.string(), z.string()).nullish(),
});

const patchBody = z.object({ metadata: record.nullish(), ttl: ttlSchema.nullish() });

const pruneBody = z.object({
  thread_ids: z.array(z.guid()),
  strategy: z.enum(["delete", "keep_latest"]).default("delete"),
});

/** `?include=` values: comma-separated (Python SDK) or a JSON array (the JS SDK stringifies arrays). */
function includeValues(raw: string): string[] {
  if (raw.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not JSON: fall through to the comma form
    }
  }
  return raw.split(",").map((v) => v.trim());
}

/**
 * A search's `values` filter is compiled into SQL like a metadata filter, so it has the same
 * limits (keys, depth, bytes, list items); a state update's `values` is the user's data and has not.
 */
function checkValuesFilter(c: Context, values: Record<string, unknown> | null | undefined): void {
  if (values) checkMetadata(values, ["values"], inputLimitsOf(c));
}

const tags = ["Threads"];
const undef = <T>(v: T | null | undefined): T | undefined => v ?? undefined;

/** Registers the thread routes. */
export function registerThreadRoutes(api: Api, options: ThreadRoutesOptions): void {
  const { threads } = options;
  const authz = options.auth;

  api.route(
    { method: "post", path: "/threads", summary: "Create thread", tags, body: createBody },
    async (c, { body }) => {
      const { scope, value } = await authz(c, "threads", "create", {
        thread_id: body.thread_id ?? newId(),
        metadata: undef(body.metadata),
        if_exists: undef(body.if_exists),
      });
      const thread = await threads.create(
        {
          threadId: value.thread_id,
          metadata: value.metadata,
          ifExists: undef(body.if_exists),
          ttl: undef(body.ttl),
          supersteps: body.supersteps?.map((s) => ({
            updates: s.updates.map((u) => ({
              values: u.values,
              command: u.command,
              asNode: u.as_node,
            })),
          })),
        },
        scope,
      );
      return jsonExtra(c, threadToWire(thread));
    },
  );

  api.route(
    { method: "post", path: "/threads/search", summary: "Search threads", tags, body: searchBody },
    async (c, { body }) => {
      checkValuesFilter(c, body.values);
      const extract = body.extract ? compileExtract(body.extract) : null;
      const limit = body.limit ?? 10;
      const offset = body.offset ?? 0;
      const { scope } = await authz(c, "threads", "search", {
        metadata: undef(body.metadata),
        ids: undef(body.ids),
        status: undef(body.status),
        values: undef(body.values),
        limit,
        offset,
      });
      const page = await threads.search(
        {
          ids: undef(body.ids),
          metadata: undef(body.metadata),
          values: undef(body.values),
          status: undef(body.status),
          limit,
          offset,
          sortBy: body.sort_by ?? "created_at",
          sortOrder: body.sort_order ?? "desc",
        },
        scope,
      );
      c.header("X-Pagination-Total", String(page.total));
      const next = offset + page.threads.length;
      if (next < page.total) c.header("X-Pagination-Next", String(next));
      const rows = page.threads.map((t) => {
        const wire = threadToWire(t);
        const out = selectFields(wire, body.select);
        return extract ? { ...out, extracted: extract(wire) } : out;
      });
      return jsonExtra(c, rows);
    },
  );

  api.route(
    {
      method: "post",
      path: "/threads/count",
      summary: "Count threads",
      tags,
      body: z.object(filterFields),
    },
    async (c, { body }) => {
      checkValuesFilter(c, body.values);
      const filter = {
        metadata: undef(body.metadata),
        values: undef(body.values),
        status: undef(body.status),
      };
      const { scope } = await authz(c, "threads", "search", { ...filter, limit: 0, offset: 0 });
      return c.json(await threads.count(filter, scope));
    },
  );

  api.route(
    { method: "post", path: "/threads/prune", summary: "Prune threads", tags, body: pruneBody },
    async (c, { body }) => {
      const { scope } = await authz(c, "threads", "delete", {
        thread_ids: body.thread_ids,
        strategy: body.strategy,
      });
      const pruned = await threads.prune(body.thread_ids, body.strategy, scope);
      return c.json({ pruned_count: pruned });
    },
  );

  api.route(
    {
      method: "get",
      path: "/threads/:thread_id",
      summary: "Get thread",
      tags,
      query: z.object({ include: z.union([z.string(), z.array(z.string())]).optional() }),
    },
    async (c, { params, query }) => {
      const include = [query.include ?? []].flat().flatMap(includeValues);
      const { scope } = await authz(c, "threads", "read", { thread_id: params.thread_id });
      const thread = await threads.get(params.thread_id, scope);
      return jsonExtra(c, threadToWire(thread, { ttl: include.includes("ttl") }));
    },
  );

  api.route(
    {
      method: "patch",
      path: "/threads/:thread_id",
      summary: "Patch thread",
      tags,
      body: patchBody,
    },
    async (c, { params, body }) => {
      const { scope, value } = await authz(c, "threads", "update", {
        thread_id: params.thread_id,
        metadata: undef(body.metadata),
      });
      const patch = { metadata: value.metadata, ttl: undef(body.ttl) };
      const thread = await threads.patch(params.thread_id, patch, scope);
      if (c.req.header("Prefer")?.includes("return=minimal")) return c.body(null, 204);
      return jsonExtra(c, threadToWire(thread));
    },
  );

  api.route(
    { method: "delete", path: "/threads/:thread_id", summary: "Delete thread", tags },
    async (c, { params }) => {
      const { scope } = await authz(c, "threads", "delete", { thread_id: params.thread_id });
      await threads.delete(params.thread_id, scope);
      return c.body(null, 204);
    },
  );

  api.route(
    { method: "post", path: "/threads/:thread_id/copy", summary: "Copy thread", tags },
    async (c, { params }) => {
      const threadId = params.thread_id;
      const { scope } = await authz(c, "threads", "read", { thread_id: threadId });
      // The copy is a creation too: its handler may deny it or stamp the new metadata.
      const source = await threads.find(threadId, scope);
      if (!source) throw conflict("Thread not found");
      const copyId = newId();
      const { value } = await authz(c, "threads", "create", {
        thread_id: copyId,
        metadata: { ...source.metadata, thread_id: copyId } as Record<string, unknown>,
      });
      const target = { threadId: copyId, metadata: value.metadata };
      return jsonExtra(c, threadToWire(await threads.copy(threadId, scope, target)));
    },
  );
}
