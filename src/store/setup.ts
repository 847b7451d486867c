/**
 * Builds the store from the `store` section of the config (index and TTL) and runs its TTL
 * sweeper. Called once by the composition root.
 */
import type { Kysely } from "kysely";
import type { Database } from "../storage/database.ts";
import { loadEmbedder } from "./embeddings.ts";
import { SqlStore, type StoreIndex } from "./sql-store.ts";
import type { StoreTtlConfig } from "./types.ts";
import { ensureVectorTable } from "./vectors.ts";

/** The `store` section of `open_langgraph.json` (snake_case, as in `langgraph.json`). */
export interface StoreConfigSection {
  index?: { dims: number; embed: string; fields?: string[] };
  ttl?: { default_ttl?: number; refresh_on_read?: boolean; sweep_interval_minutes?: number };
}

/** Start-up notices (vector table rebuilt, which vector storage is used). */
export type StoreNotice = (message: string, details: Record<string, unknown>) => void;

/** The TTL settings of a config section. */
export function ttlConfig(section: StoreConfigSection | undefined): StoreTtlConfig {
  const ttl = section?.ttl;
  return {
    defaultTtl: ttl?.default_ttl,
    refreshOnRead: ttl?.refresh_on_read,
    sweepIntervalMinutes: ttl?.sweep_interval_minutes,
  };
}

/** Creates the store; with `index`, loads the embedder and prepares the vector table. */
export async function createStore(
  db: Kysely<Database>,
  section: StoreConfigSection | undefined,
  baseDir: string,
  notice: StoreNotice = () => {},
): Promise<SqlStore> {
  let index: StoreIndex | null = null;
  if (section?.index) {
    const { dims, embed, fields } = section.index;
    const embedder = await loadEmbedder(embed, dims, baseDir);
    const vectors = await ensureVectorTable(db, dims, (previous) =>
      notice("store vector table rebuilt for a new index configuration", { previous, dims }),
    );
    notice("store semantic search enabled", { dims, embed, vectorStorage: vectors.kind });
    index = { dims, embedder, fields: fields ?? ["$"], vectors };
  }
  return new SqlStore({ db, index, ttl: ttlConfig(section) });
}

const DEFAULT_SWEEP_MINUTES = 5;

/** Deletes expired items every `sweep_interval_minutes` (unref'd timer); returns a stop function. */
export function startStoreSweeper(
  store: SqlStore,
  ttl: StoreTtlConfig,
  onError: (error: unknown) => void,
): () => Promise<void> {
  const everyMs = Math.max(1, (ttl.sweepIntervalMinutes ?? DEFAULT_SWEEP_MINUTES) * 60_000);
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = store
      .sweepExpired()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
