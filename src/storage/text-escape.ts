/**
 * Storable text. PostgreSQL `text` cannot hold U+0000, `jsonb` refuses the `\u0000` escape, and
 * neither can hold a lone UTF-16 surrogate (UTF-8 has no encoding for one: drivers silently turn it
 * into U+FFFD, jsonb refuses the `\udXXX` escape). Clients and graphs send all of them, and the
 * official server echoes them. So every string on its way into the database is escaped, and every
 * string on its way out is unescaped: the same string comes back, on every table and backend.
 *
 * The escape is ESC (U+FDD0, a Unicode noncharacter, reserved for a program's internal use)
 * followed by the four uppercase hex digits of the UTF-16 code unit. It is applied to U+0000, to
 * each lone surrogate and to ESC itself, so every ESC in stored text starts an escape and the
 * mapping is a bijection. One escape for `text` and for the strings (and keys) inside `jsonb`:
 * a text parameter compares equal to a jsonb string holding the same value (`->>`, `@>`, `LIKE`).
 */

/** The escape character (U+FDD0). */
export const ESC = "\uFDD0";

const UNSTORABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what must be escaped
  /[\u0000\uFDD0]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, "g");
const ESCAPED_ALL = /\uFDD0([0-9A-F]{4})/g;
/** JSON text that may hold an unstorable string: `\u0000` or a surrogate escape, ESC, a raw surrogate. */
const JSON_SUSPECT = /\\u(?:0000|[dD][89a-fA-F])|[\uFDD0\uD800-\uDFFF]/;

const escapeUnit = (c: string) => ESC + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");

// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what must be escaped
const SUSPECT = /[\u0000\uFDD0\uD800-\uDFFF]|\\u(?:0000|[dD][89a-fA-F])/;

/** A cheap pre-check: false when neither `escapeText` nor `escapeJsonText` would change `s`. */
export function mayNeedEscape(s: string): boolean {
  return SUSPECT.test(s);
}

/** The storable form of `s` (unchanged when it holds nothing unstorable). */
export function escapeText(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, escapeUnit) : s;
}

/** The inverse of `escapeText`. */
export function unescapeText(s: string): string {
  return s.includes(ESC)
    ? s.replace(ESCAPED_ALL, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : s;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/**
 * Maps every string and object key inside a JSON-like value with `fn`. Returns the same reference
 * when nothing changed (rows are read often; most hold nothing to unescape).
 */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (value === null || typeof value !== "object" || isBytes(value) || value instanceof Date)
    return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = mapStrings(value[i], fn);
      if (v !== value[i]) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return out ?? value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  let changed = false;
  const mapped = entries.map(([k, v]) => {
    const k2 = fn(k);
    const v2 = mapStrings(v, fn);
    if (k2 !== k || v2 !== v) changed = true;
    return [k2, v2] as const;
  });
  return changed ? Object.fromEntries(mapped) : value;
}

/** Escapes every string and key inside a JSON-like value. */
export function escapeJson<T>(value: T): T {
  return mapStrings(value, escapeText) as T;
}

/** Unescapes every string and key inside a JSON-like value (a parsed json/jsonb cell, a text[]). */
export function unescapeJson<T>(value: T): T {
  return mapStrings(value, unescapeText) as T;
}

/**
 * The storable form of a JSON document given as text (a `::jsonb` parameter): its strings and
 * keys escaped. Text that is not JSON is returned as is (PostgreSQL then reports the syntax error).
 */
export function escapeJsonText(text: string): string {
  if (!JSON_SUSPECT.test(text)) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const escaped = escapeJson(parsed);
  return escaped === parsed ? text : JSON.stringify(escaped);
}
