/** JSON helpers shared by storage and HTTP. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A plain JSON object record. */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a non-null, non-array object. */
export const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
