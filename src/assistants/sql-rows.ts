/** Row mapping helpers of the SQL assistants adapter. */
import type { Selectable } from "kysely";
import type { AssistantsTable } from "../storage/database.ts";
import { jsonbOrNull } from "../storage/sql/json.ts";
import type { Assistant } from "./types.ts";

type Row = Selectable<AssistantsTable>;

// The column is `uuid`; comparing it with a non-uuid string is a SQL error, so such ids are
// simply "not found". Deliberately as permissive as the official validator (any 8-4-4-4-12 hex).
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can be stored in a uuid column. */
export const isUuidShaped = (id: string): boolean => UUID_SHAPE.test(id);

/** A JSON column value (`undefined` stored as SQL NULL). */
export const json = jsonbOrNull;

/** A row as the domain type. */
export function toAssistant(row: Row): Assistant {
  return {
    assistantId: row.assistant_id,
    graphId: row.graph_id,
    name: row.name,
    description: row.description,
    config: row.config ?? {},
    context: row.context ?? {},
    metadata: row.metadata ?? {},
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Key-order independent JSON text, to compare jsonb values read back from the database. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
