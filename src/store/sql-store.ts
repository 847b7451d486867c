/**
 * The store graphs and the `/store` routes share: a `BaseStore` on our SQL database (PGlite or
 * PostgreSQL). Beyond `BaseStore` it keeps the platform's per-item TTL (`ttl` minutes on put, pushed
 * forward by reads unless told otherwise, expired items invisible at once and swept on an interval)
 * and ranks `query` searches by embedding similarity when `store.index` is configured; without an
 * index `query` is ignored, as in the official JS server's in-memory store.
 */
import {
  BaseStore,
  type GetOperation,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchOperation,
} from "@langchain/langgraph";
import { type Kysely, sql } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { Database } from "../storage/database.ts";
import type { WriteFence } from "../storage/fence.ts";
import { familyOf } from "../storage/sql/family.ts";
import { nowPlusMinutes, nowSql } from "./family-sql.ts";
import { assertWritableNamespace, encodeNamespace } from "./namespace.ts";
import type { StoreIndex } from "./puts.ts";
import { checkDims, type PutOp, preparePuts, writePuts } from "./puts.ts";
import {
  type ItemRow,
  type NamespaceCondition,
  selectItem,
  selectItemScope,
  selectItems,
  selectNamespaces,
  toItem,
} from "./queries.ts";
import type {
  ItemScopeState,
  ListNamespacesOptions,
  PutItemOptions,
  ReadOptions,
  SearchItemsOptions,
  StoreApi,
  StoreItem,
  StoreSearchItem,
  StoreTtlConfig,
} from "./types.ts";

export type { StoreIndex } from "./puts.ts";

/** What a `SqlStore` is built from. */
export interface SqlStoreOptions {
  db: Kysely<Database>;
  index?: StoreIndex | null;
  ttl?: StoreTtlConfig;
  /** Consulted inside the transaction of every write (the store a run sees: the run's lease). */
  fence?: WriteFence;
  /** Admits a batch's puts before they are written (tenancy's store_bytes); throws to refuse. */
  admitPuts?: PutAdmission;
}

/** Admits puts (an item's encoded namespace, key and new value); `done` once they were written. */
export type PutAdmission = (
  items: { prefix: string; key: string; value: unknown }[],
) => Promise<{ done(): Promise<void> } | undefined>;

type ReadOp<T> = T & { refreshTtl?: boolean | null; scope?: Scope };

const isGet = (op: Operation): op is GetOperation =>
  "key" in op && "namespace" in op && !("value" in op);
const isSearch = (op: Operation): op is SearchOperation => "namespacePrefix" in op;
const isPut = (op: Operation): op is PutOperation => "value" in op;

/** A `BaseStore` over the `store_items` table (and `store_vectors` when indexed). */
export class SqlStore extends BaseStore implements StoreApi {
  readonly #db: Kysely<Database>;
  readonly #index: StoreIndex | null;
  readonly #ttl: StoreTtlConfig;
  readonly #options: SqlStoreOptions;

  constructor(options: SqlStoreOptions) {
    super();
    this.#options = options;
    this.#db = options.db;
    this.#index = options.index ?? null;
    this.#ttl = options.ttl ?? {};
  }

  /** The same store whose writes are refused, in their own transaction, once `fence` says so. */
  fenced(fence: WriteFence): SqlStore {
    return new SqlStore({ ...this.#options, fence });
  }

  /** The same store whose puts `admit` must admit first (graphs' writes under a store quota). */
  guarded(admit: PutAdmission): SqlStore {
    return new SqlStore({ ...this.#options, admitPuts: admit });
  }

  /** The configured index, if any. */
  get indexConfig(): StoreIndex | null {
    return this.#index;
  }

  /** Runs the operations; reads see the state from before this batch's writes (last put wins). */
  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = new Array(operations.length).fill(null);
    const puts = new Map<string, PutOp>();
    for (const [i, op] of operations.entries()) {
      if (isGet(op)) results[i] = await this.#get(op);
      else if (isSearch(op)) results[i] = await this.#search(op);
      else if (isPut(op)) {
        assertWritableNamespace(op.namespace);
        puts.set(`${encodeNamespace(op.namespace)}\u0000${op.key}`, op);
      } else results[i] = await this.#listNamespaces(op as ListNamespacesOperation);
    }
    if (puts.size > 0) await this.#applyPuts([...puts.values()]);
    return results as OperationResults<Op>;
  }

  /** Puts one item with the platform options (`index`, `ttl`). */
  async putItem(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    options: PutItemOptions = {},
  ): Promise<void> {
    const op: PutOp = { namespace, key, value, index: options.index ?? undefined };
    if (options.ttl !== undefined) op.ttl = options.ttl;
    await this.batch([op]);
  }

  /** Gets one item, refreshing its TTL per `options.refreshTtl` (default: `refresh_on_read`). */
  async getItem(namespace: string[], key: string, options: ReadOptions = {}) {
    const op: ReadOp<GetOperation> = {
      namespace,
      key,
      refreshTtl: options.refreshTtl,
      scope: options.scope,
    };
    return (await this.batch([op]))[0] as StoreItem | null;
  }

  /** Deletes one item (no error when missing). */
  async deleteItem(namespace: string[], key: string): Promise<void> {
    await this.#db
      .deleteFrom("store_items")
      .where("prefix", "=", encodeNamespace(namespace))
      .where("key", "=", key)
      .execute();
  }

  /** Searches under a prefix; `query` ranks by similarity when an index is configured. */
  async searchItems(namespacePrefix: string[], options: SearchItemsOptions = {}) {
    const op: ReadOp<SearchOperation> = {
      namespacePrefix,
      filter: options.filter,
      limit: options.limit ?? 10,
      offset: options.offset ?? 0,
      query: options.query,
      refreshTtl: options.refreshTtl,
      scope: options.scope,
    };
    return (await this.batch([op]))[0] as StoreSearchItem[];
  }

  /** Lists namespaces; with a `scope`, only those it matches (filtered in SQL before paging). */
  override async listNamespaces(options: ListNamespacesOptions = {}): Promise<string[][]> {
    const { prefix, suffix, maxDepth, limit = 100, offset = 0, scope } = options;
    const matchConditions: NamespaceCondition[] = [];
    if (prefix) matchConditions.push({ matchType: "prefix", path: prefix });
    if (suffix) matchConditions.push({ matchType: "suffix", path: suffix });
    const op: ReadOp<ListNamespacesOperation> = {
      matchConditions: matchConditions.length ? matchConditions : undefined,
      maxDepth,
      limit,
      offset,
      scope,
    };
    return (await this.batch([op]))[0] as string[][];
  }

  /** Whether a live item exists and matches `scope`. */
  itemScope(namespace: string[], key: string, scope: Scope): Promise<ItemScopeState> {
    return selectItemScope(this.#db, namespace, key, scope);
  }

  /** Deletes expired items (their vectors go with them); returns how many. */
  async sweepExpired(): Promise<number> {
    const result = await this.#db
      .deleteFrom("store_items")
      .where("expires_at", "is not", null)
      .where(sql<boolean>`expires_at <= ${nowSql(familyOf(this.#db))}`)
      .executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }

  #refreshWanted(flag: boolean | null | undefined): boolean {
    return flag ?? this.#ttl.refreshOnRead ?? true;
  }

  async #refresh(rows: ItemRow[]): Promise<void> {
    const due = rows.filter((r) => r.ttl_minutes != null);
    if (due.length === 0) return;
    await this.#db
      .updateTable("store_items")
      .set({ expires_at: nowPlusMinutes(familyOf(this.#db), sql.ref("ttl_minutes")) })
      .where("ttl_minutes", "is not", null)
      .where((eb) =>
        eb.or(due.map((r) => eb.and([eb("prefix", "=", r.prefix), eb("key", "=", r.key)]))),
      )
      .execute();
  }

  async #get(op: ReadOp<GetOperation>): Promise<StoreItem | null> {
    const row = await selectItem(this.#db, op.namespace, op.key, op.scope);
    if (!row) return null;
    if (this.#refreshWanted(op.refreshTtl)) await this.#refresh([row]);
    return toItem(row);
  }

  async #search(op: ReadOp<SearchOperation>): Promise<StoreSearchItem[]> {
    const queryVector = op.query && this.#index ? await this.#embedQuery(op.query) : undefined;
    const rows = await selectItems(
      this.#db,
      {
        namespacePrefix: op.namespacePrefix,
        filter: op.filter,
        limit: Math.max(0, Math.floor(op.limit ?? 10)),
        offset: Math.max(0, Math.floor(op.offset ?? 0)),
        queryVector,
        scope: op.scope,
      },
      this.#index?.vectors ?? null,
    );
    if (this.#refreshWanted(op.refreshTtl)) await this.#refresh(rows);
    return rows.map(toItem);
  }

  async #listNamespaces(op: ReadOp<ListNamespacesOperation>): Promise<string[][]> {
    return selectNamespaces(
      this.#db,
      (op.matchConditions ?? []) as NamespaceCondition[],
      op.maxDepth,
      Math.max(0, Math.floor(op.limit ?? 100)),
      Math.max(0, Math.floor(op.offset ?? 0)),
      op.scope,
    );
  }

  async #embedQuery(query: string): Promise<number[]> {
    const vector = await this.#index!.embedder.embedQuery(query);
    checkDims(this.#index!, vector);
    return vector;
  }

  async #applyPuts(ops: PutOp[]): Promise<void> {
    const admit = this.#options.admitPuts;
    const growing = ops.filter((op) => op.value != null);
    const ticket =
      admit && growing.length > 0
        ? await admit(
            growing.map((op) => ({
              prefix: encodeNamespace(op.namespace),
              key: op.key,
              value: op.value,
            })),
          )
        : undefined;
    try {
      await this.#writePuts(ops);
    } finally {
      await ticket?.done();
    }
  }

  async #writePuts(ops: PutOp[]): Promise<void> {
    const prepared = await preparePuts(this.#index, ops);
    const vectors = this.#index?.vectors ?? null;
    const fence = this.#options.fence;
    const apply = () =>
      this.#db.transaction().execute(async (trx) => {
        await fence?.check(trx);
        await writePuts(trx, prepared, vectors, this.#ttl.defaultTtl);
      });
    await (fence ? fence.track(apply) : apply());
  }
}
