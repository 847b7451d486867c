/**
 * The one JSON path to a top-level key for MariaDB and SQLite. SQLite decodes the escapes of a
 * quoted label; MariaDB compares a label with a key as spelled in the stored JSON text (`\u0041`
 * does not match `A`, nor `\u000a` a newline stored as `\n`). So every key is escaped as
 * `JSON.stringify` spells it in the stored documents. SQLite's engine escaped only `"` (a metadata
 * key `a\b` was written as `a<backspace>`, `\u0041` as `A`), MariaDB's path wrote `\u000a` for a
 * newline (a store filter on a key holding a newline or a tab matched nothing).
 */

const SHORT: Record<string, string> = {
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** `c` (`"`, `\\` or a control character) as `JSON.stringify` escapes it. */
const jsonEscape = (c: string): string =>
  c === '"' || c === "\\"
    ? `\\${c}`
    : (SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * A path selecting top-level `key`, quoted (keys may hold dots or spaces) with JSON's escapes for
 * `"`, `\\` and control characters (U+0000 and lone surrogates are left to the escaping codec,
 * which gives them their stored form).
 */
export const keyPath = (key: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  `$."${key.replace(/["\\\u0001-\u001f]/g, jsonEscape)}"`;
