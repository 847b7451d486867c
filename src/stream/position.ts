/** Log positions: SSE ids are decimal indexes into a run's log. */

/** Parses a Last-Event-ID into the index of the first event to deliver (undefined = live tail). */
export function startIndex(lastEventId: string | undefined): number | undefined {
  if (lastEventId == null || lastEventId.trim() === "") return undefined;
  const n = Number(lastEventId);
  if (!Number.isInteger(n) || n < -1) return undefined;
  return n + 1;
}
