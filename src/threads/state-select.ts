/**
 * `select` on thread state reads (SDK >= 1.12): the fields of a `ThreadState` to return, and
 * `values.<key>` for single state keys. A selection that needs nothing but state keys and the
 * checkpoint's own fields is served from those channels alone (see `SqlCheckpointSaver.withChannels`).
 */
import { unprocessable } from "../core/errors.ts";

/** Top-level fields a state read may select. */
export const STATE_FIELDS = [
  "values",
  "next",
  "tasks",
  "checkpoint",
  "metadata",
  "created_at",
  "parent_checkpoint",
  "interrupts",
] as const;

/** Fields answered from the checkpoint row without computing tasks. */
const ROW_FIELDS = new Set(["checkpoint", "metadata", "created_at", "parent_checkpoint"]);

/** A parsed selection. */
export interface StateSelect {
  fields: Set<string>;
  /** State keys named as `values.<key>`. */
  keys: string[];
  /** Channels to read when the selection allows a partial read; undefined: read everything. */
  channels: string[] | undefined;
}

/** Parses and validates `select` (undefined or empty: everything). Unknown fields are a 422. */
export function parseStateSelect(select: string[] | null | undefined): StateSelect | undefined {
  if (!select || select.length === 0) return undefined;
  const fields = new Set<string>();
  const keys: string[] = [];
  for (const item of select) {
    if (item.startsWith("values.") && item.length > "values.".length) keys.push(item.slice(7));
    else if ((STATE_FIELDS as readonly string[]).includes(item)) fields.add(item);
    else
      throw unprocessable(
        `Invalid select field "${item}"; allowed: ${STATE_FIELDS.join(", ")}, values.<key>`,
      );
  }
  const partial = keys.length > 0 && [...fields].every((f) => ROW_FIELDS.has(f));
  return { fields, keys, channels: partial ? [...new Set(keys)] : undefined };
}

/** The wire state reduced to the selection. */
export function applyStateSelect(
  wire: Record<string, unknown>,
  select: StateSelect | undefined,
): Record<string, unknown> {
  if (!select) return wire;
  const out: Record<string, unknown> = {};
  for (const field of select.fields) {
    if (field === "interrupts") {
      const tasks = (wire.tasks ?? []) as { interrupts?: unknown[] }[];
      out.interrupts = tasks.flatMap((t) => t.interrupts ?? []);
    } else out[field] = wire[field];
  }
  if (select.keys.length > 0 && !select.fields.has("values")) {
    const values = (wire.values ?? {}) as Record<string, unknown>;
    out.values = Object.fromEntries(
      select.keys.filter((k) => values != null && k in values).map((k) => [k, values[k]]),
    );
  }
  return out;
}
