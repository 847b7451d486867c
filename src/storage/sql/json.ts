/**
 * JSON values written to json/jsonb. On PostgreSQL the `::jsonb` cast is what tells the escaping codec that the
 * parameter is a JSON document whose strings it must escape (`storage/escaping-codec.ts`): write
 * every JSON value through these helpers, never as a bare `JSON.stringify` parameter.
 */
import type { RawBuilder } from "kysely";
import { json } from "../engine/neutral.ts";

/** `value` as a JSON document expression (`undefined` becomes JSON null); engine-neutral (`engine/neutral.ts`). */
export function jsonb(value: unknown): RawBuilder<string> {
  return json(value);
}

/** `value` as a jsonb expression, or SQL NULL when `value` is undefined. */
export function jsonbOrNull(value: unknown): RawBuilder<string> | null {
  return value === undefined ? null : jsonb(value);
}

/**
 * A json/jsonb column as read: the drivers hand back parsed values, except where a codec or an
 * older PGlite returns the text; both read the same here. SQL NULL stays null.
 */
export function fromJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** A json/jsonb object column as read (SQL NULL or JSON null read as `{}`). */
export function jsonObject(value: unknown): Record<string, unknown> {
  return fromJson<Record<string, unknown> | null>(value) ?? {};
}
