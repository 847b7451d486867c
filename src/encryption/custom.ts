/**
 * Custom at-rest encryption (`encryption.path`), in the shapes of LangGraph Platform's
 * `Encryption` handlers, as a plain object the module exports:
 *
 * ```ts
 * export const encryption = {
 *   encrypt: { blob: async (ctx, bytes) => bytes, json: async (ctx, doc) => doc },
 *   decrypt: { blob: async (ctx, bytes) => bytes, json: async (ctx, doc) => doc },
 * };
 * ```
 * `json` may also be an object of per-model handlers (`{ thread, assistant, run, cron, store,
 * checkpoint, default }`), like `@encryption.encrypt.json.thread`. `ctx` is
 * `{ model, field, metadata }`; `model` is the stored resource. JSON handlers must keep the keys
 * of the document (only values may change) and the decryptor must pass through values it did not
 * encrypt. Blobs are stored with a marker so data written before encryption reads as plaintext.
 */
import type { EncryptionCodec } from "./codec.ts";
import { isBytes, isPlainObject, jsonDocument } from "./codec.ts";

/** What a handler is told. */
export interface EncryptionContext {
  model: string | null;
  field: string | null;
  metadata: Record<string, unknown>;
}
type BlobHandler = (ctx: EncryptionContext, data: Uint8Array) => Promise<Uint8Array> | Uint8Array;
type JsonHandler = (
  ctx: EncryptionContext,
  data: Record<string, unknown>,
) => Promise<Record<string, unknown>> | Record<string, unknown>;
type JsonHandlers = JsonHandler | Partial<Record<string, JsonHandler>>;

/** The module's export. */
export interface EncryptionHandlers {
  encrypt?: { blob?: BlobHandler; json?: JsonHandlers };
  decrypt?: { blob?: BlobHandler; json?: JsonHandlers };
}

const MARK = Buffer.from("OLGC\x01", "latin1");
/** Base64 of the marker's first bytes: blobs the checkpointer aggregates into JSON as base64. */
const BASE64_MARK = "T0xHQw";
const hasMark = (v: Uint8Array) =>
  v.length >= 5 && Buffer.from(v.buffer, v.byteOffset, 5).equals(MARK);
const TABLE_MODELS: Record<string, string> = {
  threads: "thread",
  assistants: "assistant",
  assistant_versions: "assistant",
  runs: "run",
  crons: "cron",
  store_items: "store",
  checkpoints: "checkpoint",
  checkpoint_blobs: "checkpoint",
  checkpoint_writes: "checkpoint",
};

/**
 * The resource a statement works on: the first known table (bare, `"t"` or MariaDB's `` `t` ``)
 * after INSERT [IGNORE | OR ...] INTO, REPLACE INTO, UPDATE or [DELETE] FROM outside parentheses
 * (the statement's own table, not a subquery's or a set-returning function's: a checkpoint read
 * selects from `jsonb_each_text(...)` inside its blob aggregate first), else the first known table
 * anywhere (a CTE's). Before, MariaDB's backquoted and `insert ignore` statements matched no
 * table, so custom JSON handlers never ran there and the values went in as plaintext.
 */
export function modelOf(sql: string): string | null {
  let inner: string | null = null;
  let depth = 0;
  let scanned = 0;
  for (const m of sql.matchAll(
    /\b(?:insert\s+(?:ignore\s+|or\s+[a-z]+\s+)?into|replace\s+into|update|from)\s+[`"]?([a-z_]+)[`"]?/gi,
  )) {
    for (; scanned < m.index; scanned++) {
      const c = sql[scanned];
      if (c === "(") depth++;
      else if (c === ")") depth--;
    }
    const model = TABLE_MODELS[m[1]!.toLowerCase()];
    if (!model) continue;
    if (depth <= 0) return model;
    inner ??= model;
  }
  return inner;
}

const pick = (h: JsonHandlers | undefined, model: string): JsonHandler | undefined =>
  typeof h === "function" ? h : (h?.[model] ?? h?.default);

/** Checks a value is a usable handlers object (a configuration error otherwise). */
export function checkHandlers(value: unknown, where: string): EncryptionHandlers {
  const v = value as EncryptionHandlers | undefined;
  const ok =
    v &&
    typeof v === "object" &&
    (v.encrypt?.blob || v.encrypt?.json) &&
    Boolean(v.encrypt?.blob) === Boolean(v.decrypt?.blob) &&
    Boolean(v.encrypt?.json) === Boolean(v.decrypt?.json);
  if (!ok)
    throw new Error(
      `${where}: expected { encrypt: { blob?, json? }, decrypt: { blob?, json? } } with matching encrypt/decrypt handlers`,
    );
  return v;
}

const sameKeys = (a: Record<string, unknown>, b: Record<string, unknown>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
};

/**
 * Decrypts the base64 blob envelopes inside a JSON cell: the checkpointer aggregates blobs and
 * writes into JSON (`encode(blob, 'base64')`, arrays of `[channel, type, data]`), so a checkpoint
 * read finds its blobs there rather than in a bytes column. Other values pass through as they are.
 */
async function openBase64(value: unknown, blob: BlobHandler, field: string): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((x) => openBase64(x, blob, field)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await openBase64(v, blob, field);
    return out;
  }
  if (typeof value !== "string" || !value.startsWith(BASE64_MARK)) return value;
  const buf = Buffer.from(value, "base64");
  if (!buf.subarray(0, 5).equals(MARK)) return value;
  const plain = await blob({ model: "checkpoint", field, metadata: {} }, buf.subarray(5));
  return Buffer.from(plain).toString("base64");
}

/** The codec over the user's handlers. */
export function customCodec(h: EncryptionHandlers): EncryptionCodec {
  const ctx = (model: string | null, field: string | null): EncryptionContext => ({
    model,
    field,
    metadata: {},
  });
  async function sealJson(model: string, doc: Record<string, unknown>) {
    const handler = pick(h.encrypt?.json, model);
    if (!handler) return doc;
    const out = await handler(ctx(model, null), doc);
    if (!sameKeys(doc, out))
      throw new Error("encryption.path: JSON encryptors must not add or remove keys");
    return out;
  }
  return {
    async encodeParams(sql, params) {
      const model = modelOf(sql);
      return Promise.all(
        params.map(async (p) => {
          if (isBytes(p) && h.encrypt?.blob)
            return Buffer.concat([
              MARK,
              Buffer.from(await h.encrypt.blob(ctx("checkpoint", null), p)),
            ]);
          if (!model || !h.encrypt?.json) return p;
          if (isPlainObject(p)) return sealJson(model, p);
          if (typeof p === "string") {
            const doc = jsonDocument(p);
            if (doc && isPlainObject(doc)) return JSON.stringify(await sealJson(model, doc));
          }
          return p;
        }),
      );
    },
    async decodeRows(sql, rows) {
      const model = modelOf(sql);
      return Promise.all(
        rows.map(async (row) => {
          if (!isPlainObject(row)) return row;
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(row)) {
            const json = model ? pick(h.decrypt?.json, model) : undefined;
            if (isBytes(v) && h.decrypt?.blob && hasMark(v))
              out[k] = await h.decrypt.blob(ctx("checkpoint", k), v.subarray(5));
            else {
              const opened =
                h.decrypt?.blob && (Array.isArray(v) || isPlainObject(v))
                  ? await openBase64(v, h.decrypt.blob, k)
                  : v;
              out[k] = isPlainObject(opened) && json ? await json(ctx(model, k), opened) : opened;
            }
          }
          return out as typeof row;
        }),
      );
    },
  };
}
