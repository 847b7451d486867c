/**
 * `/store/*`: items (put, get, delete, search) and namespaces. Statuses, error texts and payloads
 * follow the official server; the platform's `index`, `ttl` and `refresh_ttl` are honoured.
 */
import { InvalidNamespaceError } from "@langchain/langgraph-checkpoint";
import { z } from "zod";
import { unprocessable } from "../../core/errors.ts";
import { validateRequestNamespace } from "../../store/namespace.ts";
import type { StoreApi, StoreSearchItem } from "../../store/types.ts";
import { type Api, queryBool } from "../api.ts";

const TAGS = ["Store"];
const labels = z.array(z.string());
const record = z.record(z.string(), z.unknown());

const putBody = z.object({
  namespace: labels,
  key: z.string(),
  value: record,
  index: z.union([z.literal(false), z.array(z.string())]).nullish(),
  ttl: z.number().nonnegative().nullish(),
});
const deleteBody = z.object({ namespace: labels.nullish(), key: z.string() });
const getQuery = z.object({
  namespace: z
    .string()
    .optional()
    .transform((v) => v?.split(".") ?? []),
  key: z.string(),
  refresh_ttl: queryBool.optional(),
});
const searchBody = z.object({
  namespace_prefix: labels,
  filter: record.nullish(),
  limit: z.number().int().nonnegative().nullish(),
  offset: z.number().int().nonnegative().nullish(),
  query: z.string().nullish(),
  refresh_ttl: z.boolean().nullish(),
});
const namespacesBody = z.object({
  prefix: labels.nullish(),
  suffix: labels.nullish(),
  max_depth: z.number().int().positive().nullish(),
  limit: z.number().int().nonnegative().nullish(),
  offset: z.number().int().nonnegative().nullish(),
});

const itemSchema = z.object({
  namespace: labels,
  key: z.string(),
  value: record,
  created_at: z.string(),
  updated_at: z.string(),
  score: z.number().optional(),
});

/** The wire form of an item: snake_case timestamps, `score` only when ranked. */
export function itemToWire(item: StoreSearchItem | null): Record<string, unknown> | null {
  if (item == null) return null;
  const { createdAt, updatedAt, score, ...rest } = item;
  const wire: Record<string, unknown> = {
    ...rest,
    created_at: createdAt.toISOString(),
    updated_at: updatedAt.toISOString(),
  };
  if (typeof score === "number") wire.score = score;
  return wire;
}

async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidNamespaceError) throw unprocessable(error.message);
    throw error;
  }
}

/** Registers the store routes. */
export function registerStoreRoutes(api: Api, store: StoreApi): void {
  api.route(
    { method: "put", path: "/store/items", summary: "Put Item", tags: TAGS, body: putBody },
    async (c, { body }) => {
      validateRequestNamespace(body.namespace);
      await storeCall(() =>
        store.putItem(body.namespace, body.key, body.value, {
          index: body.index,
          ...(body.ttl !== undefined ? { ttl: body.ttl } : {}),
        }),
      );
      return c.body(null, 204);
    },
  );

  api.route(
    {
      method: "get",
      path: "/store/items",
      summary: "Get Item",
      tags: TAGS,
      query: getQuery,
      response: itemSchema.nullable(),
    },
    async (c, { query }) => {
      const item = await store.getItem(query.namespace, query.key, {
        refreshTtl: query.refresh_ttl,
      });
      return c.json(itemToWire(item));
    },
  );

  api.route(
    {
      method: "delete",
      path: "/store/items",
      summary: "Delete Item",
      tags: TAGS,
      body: deleteBody,
    },
    async (c, { body }) => {
      const namespace = body.namespace ?? [];
      if (namespace.length > 0) validateRequestNamespace(namespace);
      await store.deleteItem(namespace, body.key);
      return c.body(null, 204);
    },
  );

  api.route(
    {
      method: "post",
      path: "/store/items/search",
      summary: "Search Items",
      tags: TAGS,
      body: searchBody,
      response: z.object({ items: z.array(itemSchema) }),
    },
    async (c, { body }) => {
      if (body.namespace_prefix.length > 0) validateRequestNamespace(body.namespace_prefix);
      const items = await store.searchItems(body.namespace_prefix, {
        filter: body.filter ?? undefined,
        limit: body.limit ?? 10,
        offset: body.offset ?? 0,
        query: body.query ?? undefined,
        refreshTtl: body.refresh_ttl,
      });
      return c.json({ items: items.map(itemToWire) });
    },
  );

  api.route(
    {
      method: "post",
      path: "/store/namespaces",
      summary: "List Namespaces",
      tags: TAGS,
      body: namespacesBody,
      response: z.object({ namespaces: z.array(labels) }),
    },
    async (c, { body }) => {
      if (body.prefix) validateRequestNamespace(body.prefix);
      if (body.suffix) validateRequestNamespace(body.suffix);
      const namespaces = await store.listNamespaces({
        prefix: body.prefix ?? undefined,
        suffix: body.suffix ?? undefined,
        maxDepth: body.max_depth ?? undefined,
        limit: body.limit ?? 100,
        offset: body.offset ?? 0,
      });
      return c.json({ namespaces });
    },
  );
}
