/**
 * Turns LangChain objects (messages, documents) into plain JSON the way the official server does:
 * anything with `toDict()` becomes `{...data, type}`.
 */

/** JSON text of `value`, LangChain objects flattened to dicts. */
export function serializeAsDict(value: unknown): string {
  return JSON.stringify(value, function replacer(this: any, key: string, v: unknown) {
    const raw = this[key];
    if (raw != null && typeof raw === "object" && typeof raw.toDict === "function") {
      const { type, data } = raw.toDict();
      return { ...data, type };
    }
    return v;
  });
}

/** A plain-JSON copy of `value` (undefined stays undefined). */
export function toPlainJson<T = unknown>(value: unknown): T {
  if (value === undefined) return undefined as T;
  return JSON.parse(serializeAsDict(value)) as T;
}

/** The `{error, message}` shape the official server reports for a failed run. */
export function serializeError(error: unknown): { error: string; message: string } {
  // A refused strict resume carries its refusal (`{reason, interrupt_ids, pending_ids}`).
  const refusal = (error as { refusal?: unknown } | null)?.refusal;
  if (error instanceof Error && refusal != null && typeof refusal === "object")
    return { error: error.name, message: error.message, ...refusal };
  if (error instanceof Error) return { error: error.name, message: error.message };
  return { error: "Error", message: JSON.stringify(error) };
}
