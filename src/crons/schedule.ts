/**
 * Pure next-run maths of cron schedules in IANA time zones (`now` is always passed in).
 *
 * Daylight-saving rules (see ARCHITECTURE.md):
 * - a wall time skipped by a spring-forward gap fires once, at the first instant after the gap;
 * - a wall time repeated by a fall-back fires once (first occurrence), unless every hour matches
 *   (e.g. `*\/15 * * * *`): such interval-like schedules keep firing through the repeated hour.
 */
import type { CronSpec } from "./expression.ts";
import { floorSecond, nextTransition, offsetAt, wallTime } from "./zone.ts";

const SECOND = 1000;
const HOUR = 3_600_000;
/** How far ahead a schedule may have its next tick (covers Feb 29 on a given weekday). */
const YEARS_AHEAD = 30;
const MAX_SEGMENTS = 1000;

/** The first wall time strictly after `from` (a wall time) matching `spec`, or null. */
export function nextWall(spec: CronSpec, from: number): number | null {
  let t = floorSecond(from) + SECOND;
  const lastYear = new Date(t).getUTCFullYear() + YEARS_AHEAD;
  for (;;) {
    const d = new Date(t);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    if (y > lastYear) return null;
    if (!spec.months.includes(mo)) {
      const m = after(spec.months, mo);
      t = m === undefined ? Date.UTC(y + 1, spec.months[0]! - 1, 1) : Date.UTC(y, m - 1, 1);
      continue;
    }
    if (!dayMatches(spec, d)) {
      t = Date.UTC(y, mo - 1, day + 1);
      continue;
    }
    const h = d.getUTCHours();
    if (!spec.hours.includes(h)) {
      const nh = after(spec.hours, h);
      t = nh === undefined ? Date.UTC(y, mo - 1, day + 1) : Date.UTC(y, mo - 1, day, nh);
      continue;
    }
    const mi = d.getUTCMinutes();
    if (!spec.minutes.includes(mi)) {
      const nm = after(spec.minutes, mi);
      t = nm === undefined ? Date.UTC(y, mo - 1, day, h + 1) : Date.UTC(y, mo - 1, day, h, nm);
      continue;
    }
    const s = d.getUTCSeconds();
    if (!spec.seconds.includes(s)) {
      const ns = after(spec.seconds, s);
      t =
        ns === undefined
          ? Date.UTC(y, mo - 1, day, h, mi + 1)
          : Date.UTC(y, mo - 1, day, h, mi, ns);
      continue;
    }
    return t;
  }
}

/** Whether a wall time matches `spec`. */
export function matchesWall(spec: CronSpec, wall: number): boolean {
  return nextWall(spec, wall - SECOND) === floorSecond(wall);
}

/** The first tick strictly after `after` (an instant), in `timeZone`, or null when none. */
export function nextTick(spec: CronSpec, timeZone: string, after: Date): Date | null {
  const allHours = spec.hours.length === 24;
  let t = floorSecond(after.getTime()) + SECOND;
  for (let i = 0; i < MAX_SEGMENTS; i++) {
    if (!allHours) {
      const end = repeatedUntil(t, timeZone);
      if (end !== null) {
        t = end;
        continue;
      }
    }
    const w = wallTime(t, timeZone);
    const nw = nextWall(spec, w - SECOND);
    if (nw === null) return null;
    const candidate = t + (nw - w);
    const transition = nextTransition(t, candidate, timeZone);
    if (transition === null) return new Date(candidate);
    const forward = offsetAt(transition, timeZone) > offsetAt(transition - SECOND, timeZone);
    if (forward && nw < wallTime(transition, timeZone)) return new Date(transition);
    t = transition;
  }
  return null;
}

/**
 * When `t` lies in the second pass of a fall-back (its wall time already happened an offset-change
 * earlier), the instant at which wall times become new again; otherwise null.
 */
function repeatedUntil(t: number, timeZone: string): number | null {
  const lookBack = t - 3 * HOUR;
  const before = offsetAt(lookBack, timeZone);
  const now = offsetAt(t, timeZone);
  if (before <= now) return null;
  const transition = nextTransition(lookBack, t, timeZone);
  if (transition === null) return null;
  const end = transition + (before - offsetAt(transition, timeZone));
  return t < end ? end : null;
}

/**
 * The latest tick in [since, now], or null when there is none. Used when a cron is found overdue
 * (every replica was down): it fires once, for this tick, and the older missed ticks are skipped.
 */
export function latestTickAtOrBefore(
  spec: CronSpec,
  timeZone: string,
  now: Date,
  since: Date,
): Date | null {
  const end = now.getTime();
  const floor = floorSecond(since.getTime()) - SECOND;
  for (let window = SECOND; ; window *= 2) {
    const start = Math.max(floor, end - window);
    let tick = nextTick(spec, timeZone, new Date(start));
    if (tick && tick.getTime() <= end) {
      for (
        let n = nextTick(spec, timeZone, tick);
        n && n.getTime() <= end;
        n = nextTick(spec, timeZone, n)
      )
        tick = n;
      return tick;
    }
    if (start === floor) return null;
  }
}

/** The next run after `after`, or null when the schedule has no tick before `endTime`. */
export function nextRunAt(
  spec: CronSpec,
  timeZone: string,
  after: Date,
  endTime: Date | null,
): Date | null {
  const next = nextTick(spec, timeZone, after);
  if (!next || (endTime && next.getTime() > endTime.getTime())) return null;
  return next;
}

/** The smallest element of a sorted list greater than `v`. */
function after(sorted: number[], v: number): number | undefined {
  return sorted.find((x) => x > v);
}

/** Day-of-month / day-of-week matching with the Vixie OR rule. */
function dayMatches(spec: CronSpec, d: Date): boolean {
  const dom = spec.daysOfMonth.includes(d.getUTCDate());
  const dow = spec.daysOfWeek.includes(d.getUTCDay());
  return spec.domStar || spec.dowStar ? dom && dow : dom || dow;
}
