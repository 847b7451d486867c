/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl.DateTimeFormat`. A "wall time"
 * is the local date and time of a zone encoded as milliseconds since the epoch *as if it were UTC*
 * (so calendar maths can use `Date.UTC`); the offset of an instant is wall time minus instant.
 */

const SECOND = 1000;
const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `timeZone` is an IANA zone (or alias) this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Truncates to whole seconds. */
export const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;

/** The wall time (seconds precision) of `instant` in `timeZone`. */
export function wallTime(instant: number, timeZone: string): number {
  if (timeZone === "UTC") return floorSecond(instant);
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(floorSecond(instant))))
    p[part.type] = part.value;
  const year = p.era === "BC" ? 1 - Number(p.year) : Number(p.year);
  const hour = Number(p.hour) % 24;
  return Date.UTC(
    year,
    Number(p.month) - 1,
    Number(p.day),
    hour,
    Number(p.minute),
    Number(p.second),
  );
}

/** The zone's offset from UTC at `instant`, in milliseconds (wall = instant + offset). */
export function offsetAt(instant: number, timeZone: string): number {
  return wallTime(instant, timeZone) - floorSecond(instant);
}

/**
 * The first whole second in (from, to] whose offset differs from the offset at `from`, or null.
 * Probes a day at a time, then bisects, so it assumes at most one transition per day.
 */
export function nextTransition(from: number, to: number, timeZone: string): number | null {
  if (timeZone === "UTC") return null;
  const start = floorSecond(from);
  const base = offsetAt(start, timeZone);
  let lo = start;
  let hi: number | null = null;
  for (let x = start; x < to; ) {
    const nx = Math.min(x + DAY, floorSecond(to));
    if (nx <= x) break;
    if (offsetAt(nx, timeZone) !== base) {
      lo = x;
      hi = nx;
      break;
    }
    x = nx;
  }
  return hi === null ? null : bisect(lo, hi, base, timeZone);
}

/** The first second in (lo, hi] whose offset is not `base` (the offset at `lo`). */
function bisect(lo: number, hi: number, base: number, timeZone: string): number {
  while (hi - lo > SECOND) {
    const mid: number = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
    if (offsetAt(mid, timeZone) === base) lo = mid;
    else hi = mid;
  }
  return hi;
}
