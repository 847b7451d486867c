/** Changes to a cron's stored run payload (`PATCH /runs/crons/:cron_id`). */

/** Applies payload changes: a null value removes the entry. */
export function mergePayload(
  current: Record<string, unknown>,
  changes: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!changes) return current;
  const out = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}
