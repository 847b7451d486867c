/**
 * Declared limits on every JSON input, enforced once at the edge (`readJsonBody`), before any
 * handler, schema or database sees the value: nesting depth, finite numbers, and the size of
 * `metadata`-like maps (run, thread, assistant and cron metadata, metadata filters, `configurable`),
 * whose keys LangChain copies on every runnable call (quadratic in the key count: 5,000
 * keys kept the event loop busy for minutes). A violation is a 400 in the validation shape of every
 * other bad input, with the field's path and the limit (and its setting) in the message.
 */
import { z } from "zod";

/** Limits of one server (`http.limits` in the config file). */
export interface InputLimits {
  /** Deepest nesting of arrays/objects in a JSON body (default 100). */
  jsonMaxDepth: number;
  /** Most keys of a metadata map (default 128). */
  metadataMaxKeys: number;
  /** Deepest nesting inside a metadata map (default 8). */
  metadataMaxDepth: number;
  /** Largest serialized metadata map in bytes (default 32 KiB). */
  metadataMaxBytes: number;
  /**
   * Most items of a list (default 1000): a list field of a body (`ids`, `thread_ids`, `run_ids`,
   * the `/runs/batch` body, …) and any array inside a metadata map or filter (`$in`). Lists become
   * bind parameters and SQL expressions: 70,000 ids passed PostgreSQL's 65,535 parameters, a
   * 3,000-item filter array SQLite's expression depth (1000).
   */
  listMaxItems: number;
}

/** The defaults (see `InputLimits`). */
export const DEFAULT_INPUT_LIMITS: InputLimits = {
  jsonMaxDepth: 100,
  metadataMaxKeys: 128,
  metadataMaxDepth: 8,
  metadataMaxBytes: 32 * 1024,
  listMaxItems: 1000,
};

/** Setting names, for messages that say how to raise a limit. */
const SETTING: Record<keyof InputLimits, string> = {
  jsonMaxDepth: "http.limits.json_max_depth",
  metadataMaxKeys: "http.limits.metadata_max_keys",
  metadataMaxDepth: "http.limits.metadata_max_depth",
  metadataMaxBytes: "http.limits.metadata_max_bytes",
  listMaxItems: "http.limits.list_max_items",
};

/**
 * Keys whose object value is a metadata-like map, at the top of a body or one level down
 * (`metadata`, `config.metadata`, `config.configurable`, …): LangGraph copies `configurable`
 * into the run's metadata; a store search `filter` and a thread search `extract` are compiled
 * into SQL like a metadata filter. Graph input further down is the user's state and is not a map.
 */
const MAP_KEYS = new Set(["metadata", "configurable", "filter", "extract"]);

/**
 * Top-level keys whose array value is the user's data, not a list of the API (graph `input`, a
 * state update's `values`): bounded by the body limit only. Every other array at the top of a
 * body or of its `config` (ids, run ids, `select`, `interrupt_before`, `tags`, …) and a body that
 * is itself an array (`/runs/batch`) has at most `listMaxItems` items.
 */
const DATA_KEYS = new Set(["input", "values"]);

/** A limit a body broke. */
export class InputLimitError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }

  /** The zod-shaped issue list of the 400 body. */
  toZodError(): z.ZodError {
    return new z.ZodError([
      { code: "custom", path: this.path, message: this.message, input: undefined },
    ]);
  }
}

const fieldName = (path: (string | number)[]) => (path.length ? path.join(".") : "body");

/**
 * Checks `value` (a parsed JSON body) against `limits`; throws `InputLimitError` on the first
 * violation. Iterative, so a 100,000-level body costs no stack; linear in the size of the body.
 */
export function checkInputLimits(value: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): void {
  // Fast pass: values and depths only. A violation is rare; the slow pass finds its path.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) explain(value, limits);
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (depth >= limits.jsonMaxDepth) explain(value, limits);
    if (v === value && Array.isArray(v)) checkList(v, [], limits);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in v) {
      const child = (v as Record<string, unknown>)[key];
      if (depth <= 1 && (isMap(child) || Array.isArray(child))) {
        const path = mapPath(value, v, key);
        if (path && MAP_KEYS.has(key) && isMap(child)) checkMetadata(child, path, limits);
        else if (path && !DATA_KEYS.has(key) && Array.isArray(child))
          checkList(child, path, limits);
      }
      values.push(child);
      depths.push(depth + 1);
    }
  }
}

/** The path of a metadata map: `<key>` at the top, or `config.<key>`; null elsewhere (user state). */
function mapPath(root: unknown, parent: unknown, key: string): string[] | null {
  if (parent === root) return [key];
  return isMap(root) && root.config === parent ? ["config", key] : null;
}

/** Slow pass after a violation: walks again with paths and throws the first violation's error. */
function explain(value: unknown, limits: InputLimits): never {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v))
      throw new InputLimitError(path, `${fieldName(path)}: number out of range`);
    if (typeof v !== "object" || v === null) continue;
    if (path.length >= limits.jsonMaxDepth)
      throw new InputLimitError(
        path.slice(0, 8),
        `body nested deeper than ${limits.jsonMaxDepth} levels (${SETTING.jsonMaxDepth})`,
      );
    const entries = Array.isArray(v) ? v.map((c, i) => [i, c] as const) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push({ v: entries[i]![1], path: [...path, entries[i]![0]] });
  }
  throw new InputLimitError([], "body breaks an input limit");
}

/** Throws when list `items` at `path` is longer than `listMaxItems`. */
function checkList(items: unknown[], path: (string | number)[], limits: InputLimits): void {
  if (items.length > limits.listMaxItems)
    throw new InputLimitError(
      path,
      `${fieldName(path)} has ${items.length} items; at most ${limits.listMaxItems} are allowed (${SETTING.listMaxItems})`,
    );
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks one metadata map or filter (keys, depth, bytes, list items, nested objects and lists);
 * also used for the `values` filter of a thread search.
 */
export function checkMetadata(
  map: Record<string, unknown>,
  path: (string | number)[],
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): void {
  const name = fieldName(path);
  const keys = Object.keys(map).length;
  if (keys > limits.metadataMaxKeys)
    throw new InputLimitError(
      path,
      `${name} has ${keys} keys; at most ${limits.metadataMaxKeys} are allowed (${SETTING.metadataMaxKeys})`,
    );
  let deepest = 0;
  let containers = -1; // the map itself is not counted
  const stack: { v: unknown; d: number }[] = [{ v: map, d: 0 }];
  while (stack.length) {
    const { v, d } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v) && v.length > limits.listMaxItems)
      throw new InputLimitError(
        path,
        `${name} holds a list of ${v.length} items; at most ${limits.listMaxItems} are allowed (${SETTING.listMaxItems})`,
      );
    // Each nested object or list of a filter is a subquery of its own on SQLite and MariaDB:
    // 1,000 of them held SQLite's thread (serving HTTP) for 1.8 s.
    if (++containers > limits.metadataMaxKeys)
      throw new InputLimitError(
        path,
        `${name} holds more than ${limits.metadataMaxKeys} nested objects and lists (${SETTING.metadataMaxKeys})`,
      );
    deepest = Math.max(deepest, d);
    if (deepest > limits.metadataMaxDepth)
      throw new InputLimitError(
        path,
        `${name} is nested deeper than ${limits.metadataMaxDepth} levels (${SETTING.metadataMaxDepth})`,
      );
    for (const child of Object.values(v)) stack.push({ v: child, d: d + 1 });
  }
  const bytes = Buffer.byteLength(JSON.stringify(map));
  if (bytes > limits.metadataMaxBytes)
    throw new InputLimitError(
      path,
      `${name} is ${bytes} bytes; at most ${limits.metadataMaxBytes} are allowed (${SETTING.metadataMaxBytes})`,
    );
}

/**
 * Checks the metadata a run will carry (assistant, thread and request metadata merged, plus the
 * `configurable` values LangGraph copies into it): each part may be within its limit and their
 * union still too large (a thread patched many times). Allowed: twice the per-map key limit.
 */
export function checkRunMetadata(
  config: { metadata?: Record<string, unknown>; configurable?: Record<string, unknown> },
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): void {
  const keys = new Set(Object.keys(config.metadata ?? {}));
  for (const [k, v] of Object.entries(config.configurable ?? {}))
    if (!k.startsWith("__") && (v === null || typeof v !== "object")) keys.add(k);
  const max = 2 * limits.metadataMaxKeys;
  if (keys.size > max)
    throw new InputLimitError(
      ["metadata"],
      `the run's metadata (assistant, thread and request metadata, and configurable, merged) has ${keys.size} keys; at most ${max} are allowed (twice ${SETTING.metadataMaxKeys})`,
    );
}

/**
 * Largest page a list, search or history route returns (`limit`), as `/threads/search`,
 * `/runs/search` and `/runs/crons/search` (and LangGraph Platform's search routes) declare: an
 * unbounded `limit` read a whole table or history into one response.
 */
export const MAX_PAGE_SIZE = 1000;

/** Largest integer a count or depth may be where the database takes an int4 (PostgreSQL). */
export const MAX_INT4 = 2_147_483_647;

/** Longest TTL in minutes a thread or store item may have (100 years; PostgreSQL intervals end far later). */
export const MAX_TTL_MINUTES = 100 * 365 * 24 * 60;

/** Longest run delay in seconds (`after_seconds`: 10 years). */
export const MAX_AFTER_SECONDS = 10 * 365 * 24 * 60 * 60;
