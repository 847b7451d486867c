/** JSON encoding of cached rows that keeps `Date` fields (rows carry created_at/updated_at). */

const DATE = "$olg_date";

/** Encodes a value; `Date`s become `{"$olg_date": iso}`. */
export function encode(value: unknown): string {
  return JSON.stringify(value, function replace(this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? { [DATE]: raw.toISOString() } : v;
  });
}

/** Decodes what `encode` produced. */
export function decode<T>(text: string): T {
  return JSON.parse(text, (_key, v) =>
    v &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    typeof v[DATE] === "string" &&
    Object.keys(v).length === 1
      ? new Date(v[DATE])
      : v,
  ) as T;
}
