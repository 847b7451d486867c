/**
 * API keys: `olg_` + 43 base64url characters (32 random bytes, 256 bits), shown once at creation,
 * stored as the hex sha256 of the whole key, listed by their first 12 characters (`prefix`).
 *
 * Why sha256 and not bcrypt/argon2: slow hashes exist to stop brute force of low-entropy secrets
 * (passwords). A 256-bit random key cannot be guessed whatever the hash speed, so a fast digest
 * loses nothing, lets the lookup be one indexed equality (`key_hash = $1`) and keeps the per-request
 * cost to ~1 µs instead of ~50-100 ms of KDF work on every authenticated request.
 */
import { createHash, randomBytes } from "node:crypto";

/** Every key starts with this, so scanners and people recognise it (GitHub's `ghp_` pattern). */
export const KEY_PREFIX = "olg_";

/** Characters of a key kept in clear for listings. */
const SHOWN = 12;

/** A freshly generated key: `key` is shown once and never stored. */
export interface GeneratedKey {
  key: string;
  prefix: string;
  hash: string;
}

/** Hex sha256 of a key (see the module comment for why a fast digest). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random key with its prefix and hash. */
export function generateApiKey(random: (n: number) => Buffer = randomBytes): GeneratedKey {
  const key = KEY_PREFIX + random(32).toString("base64url");
  return { key, prefix: key.slice(0, SHOWN), hash: hashApiKey(key) };
}

/** Whether a credential looks like one of our keys (anything else is left to custom auth). */
export function isApiKey(value: string | undefined | null): value is string {
  return typeof value === "string" && value.startsWith(KEY_PREFIX) && value.length <= 200;
}

/**
 * The API key a request carries: `x-api-key` (what LangGraph Platform clients send) or
 * `Authorization: Bearer olg_…`; undefined when neither holds an `olg_` key.
 */
export function apiKeyOf(headers: Headers): string | undefined {
  const header = headers.get("x-api-key")?.trim();
  if (isApiKey(header)) return header;
  const auth = headers.get("authorization");
  const bearer = auth?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return isApiKey(bearer) ? bearer : undefined;
}
