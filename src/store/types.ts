/**
 * The store's port as the HTTP layer sees it: the `BaseStore` operations plus the platform extras
 * (per-item TTL on put, `refreshTtl` on reads). Items are camelCase; the wire is mapped in http/.
 */
import type { Item, SearchItem } from "@langchain/langgraph-checkpoint";
import type { Scope } from "../auth/scope.ts";

/** A stored item (namespace, key, value, timestamps). */
export type StoreItem = Item;

/** A search hit; `score` is set only when ranked by semantic similarity. */
export type StoreSearchItem = SearchItem;

/** Options of a put: `index` false/fields, `ttl` minutes (null: never expires; absent: default). */
export interface PutItemOptions {
  index?: false | string[] | null;
  ttl?: number | null;
}

/**
 * An authorization scope over items: matched against `{...value, namespace, key}` (namespaces:
 * `{namespace}`), inside the query. `undefined`: unrestricted.
 */

/** Options of a read: whether to push the item's expiry forward (default: `refresh_on_read`). */
export interface ReadOptions {
  refreshTtl?: boolean | null;
  scope?: Scope;
}

/** Options of a search. */
export interface SearchItemsOptions extends ReadOptions {
  filter?: Record<string, unknown>;
  limit?: number;
  offset?: number;
  query?: string;
}

/** Options of a namespace listing. */
export interface ListNamespacesOptions {
  prefix?: string[];
  suffix?: string[];
  maxDepth?: number;
  limit?: number;
  offset?: number;
  scope?: Scope;
}

/** Where an item stands relative to a scope. */
export type ItemScopeState = "missing" | "in_scope" | "out_of_scope";

/** `store.ttl` from the config. */
export interface StoreTtlConfig {
  /** Minutes before a new item expires when the put gives no `ttl`; none: never. */
  defaultTtl?: number;
  /** Whether reads refresh expiry unless told otherwise (default true, as the platform). */
  refreshOnRead?: boolean;
  /** How often expired rows are deleted (default 5 minutes). */
  sweepIntervalMinutes?: number;
}

/** What the HTTP routes need from the store. */
export interface StoreApi {
  putItem(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    options?: PutItemOptions,
  ): Promise<void>;
  getItem(namespace: string[], key: string, options?: ReadOptions): Promise<StoreItem | null>;
  deleteItem(namespace: string[], key: string): Promise<void>;
  searchItems(namespacePrefix: string[], options?: SearchItemsOptions): Promise<StoreSearchItem[]>;
  listNamespaces(options?: ListNamespacesOptions): Promise<string[][]>;
  /** Whether a live item exists and matches `scope`, decided in SQL without reading its value out. */
  itemScope(namespace: string[], key: string, scope: Scope): Promise<ItemScopeState>;
}
