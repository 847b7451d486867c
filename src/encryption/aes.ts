/**
 * Built-in AES encryption at rest (`LANGGRAPH_AES_KEY`, 16/24/32 bytes: AES-128/192/256), in GCM
 * mode (authenticated: a tampered or wrongly-keyed value fails instead of decrypting to garbage).
 * Every ciphertext carries the id of its key (8 bytes of SHA-256 of the key), so values written
 * with an older key are decrypted with the matching `LANGGRAPH_AES_FALLBACK_KEYS` entry while new
 * writes use the primary key (lazy rotation: a value moves to the new key when next written).
 *
 * Blob envelope: `OLGE` | 0x01 | key id (8) | iv (12) | tag (16) | ciphertext.
 * JSON value envelope: `$olgenc:1:<key id hex>:<base64(iv | tag | ciphertext of JSON text)>`.
 */
import {
  type CipherGCM,
  createCipheriv,
  createDecipheriv,
  createHash,
  type DecipherGCM,
  randomBytes,
} from "node:crypto";

const MAGIC = Buffer.from("OLGE\x01", "latin1");
const PREFIX = "$olgenc:1:";

/** A key and its id. */
interface Key {
  id: Buffer;
  bytes: Buffer;
}

/** A configuration problem with the keys. */
export class EncryptionKeyError extends Error {
  override name = "EncryptionKeyError";
}

/** Data that cannot be decrypted with the configured keys. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
}

/** Parses a key: its UTF-8 bytes must be 16, 24 or 32 long (as LangGraph Platform requires). */
export function parseKey(raw: string, name = "LANGGRAPH_AES_KEY"): Key {
  const bytes = Buffer.from(raw, "utf8");
  if (![16, 24, 32].includes(bytes.length))
    throw new EncryptionKeyError(`${name} must be 16, 24, or 32 bytes long (got ${bytes.length}).`);
  return { id: createHash("sha256").update(bytes).digest().subarray(0, 8), bytes };
}

const algorithm = (key: Key) => `aes-${key.bytes.length * 8}-gcm` as "aes-256-gcm";

/** AES-GCM with a primary key and fallbacks for decryption. */
export class AesCipher {
  readonly #primary: Key;
  readonly #byId = new Map<string, Key>();

  constructor(primary: string, fallbacks: string[] = []) {
    this.#primary = parseKey(primary);
    for (const [i, raw] of [primary, ...fallbacks].entries()) {
      const key = i === 0 ? this.#primary : parseKey(raw, "LANGGRAPH_AES_FALLBACK_KEYS");
      this.#byId.set(key.id.toString("hex"), key);
    }
  }

  /** The primary key's id (hex), as it appears in envelopes. */
  get keyId(): string {
    return this.#primary.id.toString("hex");
  }

  #seal(plain: Buffer): { iv: Buffer; tag: Buffer; data: Buffer } {
    const iv = randomBytes(12);
    const cipher = createCipheriv(algorithm(this.#primary), this.#primary.bytes, iv) as CipherGCM;
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { iv, tag: cipher.getAuthTag(), data };
  }

  #open(keyId: string, iv: Buffer, tag: Buffer, data: Buffer): Buffer {
    const key = this.#byId.get(keyId);
    if (!key) throw new DecryptionError(`no configured key matches key id ${keyId}`);
    try {
      const decipher = createDecipheriv(algorithm(key), key.bytes, iv) as DecipherGCM;
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new DecryptionError(`value does not authenticate under key ${keyId}`);
    }
  }

  /** Encrypts bytes into a blob envelope. */
  encryptBytes(plain: Uint8Array): Buffer {
    const { iv, tag, data } = this.#seal(Buffer.from(plain));
    return Buffer.concat([MAGIC, this.#primary.id, iv, tag, data]);
  }

  /** Decrypts a blob envelope; bytes without the envelope are returned unchanged (plaintext). */
  decryptBytes(stored: Uint8Array): Uint8Array {
    const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    if (!isBlobEnvelope(buf)) return stored;
    const keyId = buf.subarray(5, 13).toString("hex");
    return this.#open(keyId, buf.subarray(13, 25), buf.subarray(25, 41), buf.subarray(41));
  }

  /** Encrypts a JSON value into a string envelope. */
  encryptValue(value: unknown): string {
    const { iv, tag, data } = this.#seal(Buffer.from(JSON.stringify(value), "utf8"));
    return `${PREFIX}${this.keyId}:${Buffer.concat([iv, tag, data]).toString("base64")}`;
  }

  /** Decrypts a string envelope back to the JSON value. */
  decryptValue(envelope: string): unknown {
    const rest = envelope.slice(PREFIX.length);
    const colon = rest.indexOf(":");
    const raw = Buffer.from(rest.slice(colon + 1), "base64");
    const plain = this.#open(
      rest.slice(0, colon),
      raw.subarray(0, 12),
      raw.subarray(12, 28),
      raw.subarray(28),
    );
    return JSON.parse(plain.toString("utf8"));
  }
}

/** Whether bytes carry the AES blob envelope. */
export const isBlobEnvelope = (buf: Uint8Array) =>
  buf.length >= 41 && Buffer.from(buf.buffer, buf.byteOffset, 5).equals(MAGIC);

/** Whether a string is an encrypted JSON value. */
export const isValueEnvelope = (v: unknown): v is string =>
  typeof v === "string" && v.startsWith(PREFIX);
