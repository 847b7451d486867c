/**
 * Decoding of the Redis run event log's stream entries (`redis-log.ts`): entry id `<N+1>-0` and
 * fields `e` (event name), `d` (JSON data), or `x: done` for a completion marker.
 */
import type { Entry } from "./redis-tail.ts";

/** A stream entry decoded: SSE index and id, event name, parsed data. */
export interface Decoded {
  index: number;
  id: string;
  event: string;
  data: unknown;
}

/** The decoding of a completion marker. */
export const DONE: Decoded = { index: -1, id: "", event: "", data: null };

/**
 * Entries decoded so far. The shared reader and shared catch-up pages hand the same entry arrays to
 * every reader of a run, so the JSON of an event is parsed once per process, not once per reader
 * (issue 24: with 100 readers, parsing was most of the CPU). Readers share the parsed `data`, as
 * readers of the in-memory log do.
 */
const decoded = new WeakMap<Entry, Decoded>();

/** The decoded form of `entry` (memoised: the same array always yields the same object). */
export function decode(entry: Entry): Decoded {
  let out = decoded.get(entry);
  if (out) return out;
  const f = fieldMap(entry[1]);
  if (f.x === "done") out = DONE;
  else {
    const index = Number(entry[0].split("-", 1)[0]) - 1;
    out = { index, id: String(index), event: f.e ?? "", data: JSON.parse(f.d ?? "null") };
  }
  decoded.set(entry, out);
  return out;
}

function fieldMap(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}
