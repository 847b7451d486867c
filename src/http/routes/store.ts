/**
 * `/store/*`: items (put, get, delete, search) and namespaces. Statuses, error texts and payloads
 * follow the official server; the platform's `index`, `ttl` and `refresh_ttl` are honoured.
 */

import { InvalidNamespaceError } from "@langchain/langgraph-checkpoint";
import { z } from "zod";
import { matchesScope } from "../../auth/scope.ts";
import { DomainError, notFound, unprocessable } from "../../core/errors.ts";
import { MAX_INT4, MAX_PAGE_SIZE, MAX_TTL_MINUTES } from "../../core/limits.ts";
import { validateRequestNamespace } from "../../store/namespace.ts";
import type { StoreApi, StoreSearchItem } from "../../store/types.ts";
import { type Api, queryBool } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { keptPage, namespaceVisible } from "../scoped-list.ts";

const TAGS = ["Store"];
const labels = z.array(z.string());
const record = z.record(z.string(), z.unknown());

const putBody = z.object({
  namespace: labels,
  key: z.string(),
  value: record,
  index: z.union([z.literal(false), z.array(z.string())]).nullish(),
  ttl: z.number().nonnegative().max(MAX_TTL_MINUTES).nullish(),
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
  limit: z.number().int().nonnegative().max(MAX_PAGE_SIZE).nullish(),
  offset: z.number().int().nonnegative().nullish(),
  query: z.string().nullish(),
  refresh_ttl: z.boolean().nullish(),
});
const namespacesBody = z.object({
  prefix: labels.nullish(),
  suffix: labels.nullish(),
  // PostgreSQL slices the namespace with an int4 (2^52 answered 500).
  max_depth: z.number().int().positive().max(MAX_INT4).nullish(),
  limit: z.number().int().nonnegative().max(MAX_PAGE_SIZE).nullish(),
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

const itemNotFound = () => notFound("Item not found");
const notAuthorized = () => new DomainError("forbidden", "Not authorized");
/** The document a store scope is matched against, as upstream builds it. */
const scopeDoc = (namespace: string[], key?: string, value?: Record<string, unknown> | null) => ({
  ...(value ?? {}),
  namespace,
  ...(key == null ? {} : { key }),
});

/** Registers the store routes; `auth` runs the `store:<action>` events. */
export function registerStoreRoutes(api: Api, store: StoreApi, auth: RouteAuth): void {
  const authz = auth;
  api.route(
    { method: "put", path: "/store/items", summary: "Put Item", tags: TAGS, body: putBody },
    async (c, { body }) => {
      validateRequestNamespace(body.namespace);
      const { scope, value } = await authz(c, "store", "put", {
        namespace: body.namespace,
        key: body.key,
        value: body.value,
      });
      if (value.namespace !== body.namespace) validateRequestNamespace(value.namespace);
      // An existing item outside the scope is invisible; a new value outside it is refused.
      if (scope && (await store.itemScope(value.namespace, value.key, scope)) === "out_of_scope")
        throw itemNotFound();
      if (!matchesScope(scopeDoc(value.namespace, value.key, value.value), scope))
        throw notAuthorized();
      await storeCall(() =>
        store.putItem(value.namespace, value.key, value.value, {
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
      const { scope, value } = await authz(c, "store", "get", {
        namespace: query.namespace,
        key: query.key,
      });
      const namespace = value.namespace ?? [];
      if (scope && (await store.itemScope(namespace, value.key, scope)) === "out_of_scope")
        throw itemNotFound();
      const item = await store.getItem(namespace, value.key, {
        refreshTtl: query.refresh_ttl,
        scope,
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
      if (body.namespace?.length) validateRequestNamespace(body.namespace);
      const { scope, value } = await authz(c, "store", "delete", {
        namespace: body.namespace ?? undefined,
        key: body.key,
      });
      const namespace = value.namespace ?? [];
      if (namespace.length > 0) validateRequestNamespace(namespace);
      if (scope) {
        const state = await store.itemScope(namespace, value.key, scope);
        if (state === "out_of_scope") throw itemNotFound();
        if (state === "missing" && !matchesScope(scopeDoc(namespace, value.key), scope))
          throw notAuthorized();
      }
      await store.deleteItem(namespace, value.key);
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
      const limit = body.limit ?? 10;
      const offset = body.offset ?? 0;
      const { scope } = await authz(c, "store", "search", {
        namespace: body.namespace_prefix,
        filter: body.filter ?? undefined,
        limit,
        offset,
        query: body.query ?? undefined,
      });
      const query = {
        filter: body.filter ?? undefined,
        query: body.query ?? undefined,
        refreshTtl: body.refresh_ttl,
        scope,
      };
      // The scope is part of the SQL query, so pages are full and counted after filtering. With
      // a caller, each item's namespace must also pass the handler as a read of it would.
      const search = (l: number, o: number) =>
        store.searchItems(body.namespace_prefix, { ...query, limit: l, offset: o });
      const seen = new Map<string, Promise<boolean>>();
      const items = c.get("auth")
        ? await keptPage(
            search,
            (item) => {
              const k = JSON.stringify(item.namespace);
              if (!seen.has(k))
                seen.set(
                  k,
                  namespaceVisible(c, authz, "search", { ...query, limit, offset }, item.namespace),
                );
              return seen.get(k)!;
            },
            limit,
            offset,
          )
        : await search(limit, offset);
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
      const { scope } = await authz(c, "store", "list_namespaces", {
        namespace: body.prefix ?? undefined,
        suffix: body.suffix ?? undefined,
        max_depth: body.max_depth ?? undefined,
        limit: body.limit ?? undefined,
        offset: body.offset ?? undefined,
      });
      const options = {
        scope,
        prefix: body.prefix ?? undefined,
        suffix: body.suffix ?? undefined,
        maxDepth: body.max_depth ?? undefined,
      };
      const list = (l: number, o: number) =>
        store.listNamespaces({ ...options, limit: l, offset: o });
      const limit = body.limit ?? 100;
      const offset = body.offset ?? 0;
      // Every listed namespace must pass the handler as if it had been asked for it: a listing
      // without a prefix shows a namespace-checking handler nothing to decide on otherwise.
      const value = { suffix: options.suffix, max_depth: options.maxDepth, limit, offset };
      const namespaces = c.get("auth")
        ? await keptPage(
            list,
            (ns) => namespaceVisible(c, authz, "list_namespaces", value, ns),
            limit,
            offset,
          )
        : await list(limit, offset);
      return c.json({ namespaces });
    },
  );
}
