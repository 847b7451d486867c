/**
 * What is encrypted, applied at the database driver (see `dialect.ts`): every statement's bound
 * parameters on the way in, every result row on the way out. Working at that level covers every
 * repository and every raw SQL statement alike, so no write path can forget it:
 * - bytes parameters (checkpoint blobs and pending writes, the only `bytea` columns) are encrypted
 *   whole; stored bytes without an envelope are read as plaintext (data from before encryption);
 * - JSON documents (parameters that are objects or JSON object text) have the values of the keys
 *   named in `LANGGRAPH_AES_JSON_KEYS` replaced by encrypted strings, wherever they appear, except
 *   the platform's system keys. Encrypted values cannot be searched or filtered on.
 */
import { type AesCipher, isBlobEnvelope, isValueEnvelope } from "./aes.ts";

/** Transforms parameters and rows of one statement. */
export interface EncryptionCodec {
  encodeParams(sql: string, params: readonly unknown[]): Promise<unknown[]>;
  decodeRows<R>(sql: string, rows: R[]): Promise<R[]>;
}

/** Keys that stay readable (as on LangGraph Platform): the server reads them. */
export const SYSTEM_KEYS = new Set([
  "langgraph_version",
  "langgraph_api_version",
  "langgraph_plan",
  "langgraph_host",
  "langgraph_api_url",
  "langgraph_request_id",
  "langgraph_auth_user_id",
  "langgraph_auth_permissions",
]);

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !isBytes(v) && !(v instanceof Date);

/** A JSON document given as text, or null when `s` is not one. */
export function jsonDocument(s: string): Record<string, unknown> | unknown[] | null {
  const c = s.trimStart()[0];
  if (c !== "{" && c !== "[") return null;
  try {
    const v = JSON.parse(s);
    return typeof v === "object" && v !== null ? v : null;
  } catch {
    return null;
  }
}

/** Deep-maps a JSON value; `onKey` may replace a key's value (return `undefined` to recurse). */
function mapJson(
  value: unknown,
  onKey: (key: string, v: unknown) => unknown,
  changed: { v: boolean },
): unknown {
  if (Array.isArray(value)) return value.map((x) => mapJson(x, onKey, changed));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const replaced = onKey(k, v);
    if (replaced !== undefined) {
      if (replaced !== v) changed.v = true;
      out[k] = replaced;
    } else out[k] = mapJson(v, onKey, changed);
  }
  return out;
}

/**
 * Base64 of a blob envelope inside a JSON cell: the checkpointer aggregates blobs and writes into
 * JSON (`encode(blob, 'base64')`), so they are found and decrypted there too.
 */
export const BASE64_AES_BLOB = "T0xHRQ"; // base64 of "OLGE"…
const openBase64Blob = (s: string, aes: AesCipher): string => {
  const buf = Buffer.from(s, "base64");
  return isBlobEnvelope(buf) ? Buffer.from(aes.decryptBytes(buf)).toString("base64") : s;
};

/** Deep-decrypts every encrypted string (and base64 blob envelope) inside a JSON value. */
function openJson(value: unknown, aes: AesCipher): unknown {
  if (isValueEnvelope(value)) return aes.decryptValue(value);
  if (typeof value === "string" && value.startsWith(BASE64_AES_BLOB))
    return openBase64Blob(value, aes);
  if (Array.isArray(value)) return value.map((x) => openJson(x, aes));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = openJson(v, aes);
  return out;
}

/**
 * A checkpoint's maps from channel name to version: kept as they are (a version is no secret),
 * since SQL joins blobs on them (`checkpoint -> 'channel_versions' ->> channel`); a channel named
 * like an encrypted key (`inputs`) lost its blob on PostgreSQL when its version was sealed.
 */
const VERSION_MAPS = new Set(["channel_versions", "versions_seen"]);

/** The built-in AES codec. */
export function aesCodec(aes: AesCipher, jsonKeys: ReadonlySet<string>): EncryptionCodec {
  const sealKey = (key: string, v: unknown) =>
    VERSION_MAPS.has(key)
      ? v
      : jsonKeys.has(key) && !SYSTEM_KEYS.has(key) && !isValueEnvelope(v) && v !== undefined
        ? aes.encryptValue(v)
        : undefined;
  const sealParam = (p: unknown): unknown => {
    if (isBytes(p)) return aes.encryptBytes(p);
    if (jsonKeys.size === 0) return p;
    if (typeof p === "string") {
      const doc = jsonDocument(p);
      if (!doc) return p;
      const changed = { v: false };
      const mapped = mapJson(doc, sealKey, changed);
      return changed.v ? JSON.stringify(mapped) : p;
    }
    if (isPlainObject(p) || Array.isArray(p)) return mapJson(p, sealKey, { v: false });
    return p;
  };
  const openCell = (v: unknown): unknown => {
    if (isBytes(v)) return aes.decryptBytes(v);
    if (isValueEnvelope(v)) {
      const plain = aes.decryptValue(v);
      return typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    if (isPlainObject(v) || Array.isArray(v)) return openJson(v, aes);
    return v;
  };
  return {
    async encodeParams(_sql, params) {
      return params.map(sealParam);
    },
    async decodeRows(_sql, rows) {
      return rows.map((row) => {
        if (!isPlainObject(row)) return row;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) out[k] = openCell(v);
        return out as typeof row;
      });
    },
  };
}

export { isBytes, isPlainObject };
