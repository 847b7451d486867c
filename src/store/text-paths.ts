/**
 * Which texts of an item get embedded: field paths as `BaseStore` documents them — "$" (the whole
 * value), "a.b", "list[*].text", "list[0]", "list[-1]", "{a,b.c}" — each match giving one text.
 */

/** Splits a path into tokens: names, "[...]" index parts and "{...}" field groups. */
export function tokenizePath(path: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let i = 0;
  const flush = () => {
    if (current) tokens.push(current);
    current = "";
  };
  while (i < path.length) {
    const ch = path[i]!;
    if (ch === "[" || ch === "{") {
      flush();
      const close = ch === "[" ? "]" : "}";
      const end = path.indexOf(close, i);
      const stop = end === -1 ? path.length : end + 1;
      tokens.push(path.slice(i, stop));
      i = stop;
      continue;
    }
    if (ch === ".") flush();
    else current += ch;
    i++;
  }
  flush();
  return tokens;
}

const asText = (value: unknown): string[] => {
  if (value == null) return [];
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return [String(value)];
  return [JSON.stringify(value, null, 2)];
};

function extract(value: unknown, tokens: string[], pos: number): string[] {
  if (pos >= tokens.length) return asText(value);
  const token = tokens[pos]!;
  if (token.startsWith("[")) {
    if (!Array.isArray(value)) return [];
    const index = token.slice(1, -1);
    if (index === "*") return value.flatMap((v) => extract(v, tokens, pos + 1));
    let idx = Number.parseInt(index, 10);
    if (Number.isNaN(idx)) return [];
    if (idx < 0) idx += value.length;
    return idx >= 0 && idx < value.length ? extract(value[idx], tokens, pos + 1) : [];
  }
  if (typeof value !== "object" || value === null) return [];
  if (token.startsWith("{")) {
    return token
      .slice(1, -1)
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean)
      .flatMap((field) => extract(value, tokenizePath(field), 0));
  }
  if (token === "*") return Object.values(value).flatMap((v) => extract(v, tokens, pos + 1));
  return token in value ? extract((value as Record<string, unknown>)[token], tokens, pos + 1) : [];
}

/** The texts found at `path` in `value`. */
export function textsAtPath(value: unknown, path: string): string[] {
  if (!path || path === "$") return [JSON.stringify(value, null, 2)];
  return extract(value, tokenizePath(path), 0);
}

/** (field name, text) pairs to embed for one item; several matches are named `path.i`. */
export function textsToEmbed(value: unknown, fields: string[]): { field: string; text: string }[] {
  return fields.flatMap((path) => {
    const texts = textsAtPath(value, path);
    if (texts.length === 1) return [{ field: path, text: texts[0]! }];
    return texts.map((text, i) => ({ field: `${path}.${i}`, text }));
  });
}
