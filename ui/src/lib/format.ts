/** Display helpers: durations, times, short ids. */

/** `12 ms`, `3.4 s`, `2 min`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Local time of an ISO timestamp. */
export function time(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** The first 8 characters of an id. */
export function shortId(id: string | undefined): string {
  return id ? id.slice(0, 8) : "—";
}
