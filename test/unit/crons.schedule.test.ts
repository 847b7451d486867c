/** Table tests of the cron maths: parsing, next ticks in time zones (DST), end times, missed ticks. */
import { describe, expect, it } from "vitest";
import { CronSyntaxError, parseCron } from "../../src/crons/expression.ts";
import { latestTickAtOrBefore, nextRunAt, nextTick } from "../../src/crons/schedule.ts";
import { isValidTimeZone } from "../../src/crons/zone.ts";

const at = (iso: string) => new Date(iso);
const next = (expr: string, tz: string, after: string) =>
  nextTick(parseCron(expr), tz, at(after))?.toISOString() ?? null;
/** The first `n` ticks after `after`. */
function ticks(expr: string, tz: string, after: string, n: number): string[] {
  const spec = parseCron(expr);
  const out: string[] = [];
  let t: Date | null = at(after);
  for (let i = 0; i < n && t; i++) {
    t = nextTick(spec, tz, t);
    if (t) out.push(t.toISOString());
  }
  return out;
}

describe("parseCron", () => {
  it.each([
    ["*/15 * * * *", { minutes: [0, 15, 30, 45], hours: 24, seconds: [0] }],
    ["5,10-12 3 * * *", { minutes: [5, 10, 11, 12], hours: 1, seconds: [0] }],
    ["10-40/10 * * * *", { minutes: [10, 20, 30, 40], hours: 24, seconds: [0] }],
    ["50/5 * * * *", { minutes: [50, 55], hours: 24, seconds: [0] }],
    ["*/20 * * * * *", { minutes: 60, hours: 24, seconds: [0, 20, 40] }],
    ["@hourly", { minutes: [0], hours: 24, seconds: [0] }],
  ])("%s", (expr, want) => {
    const spec = parseCron(expr);
    const size = (v: number[] | number) => (typeof v === "number" ? v : v);
    expect(typeof want.minutes === "number" ? spec.minutes.length : spec.minutes).toEqual(
      size(want.minutes),
    );
    expect(spec.hours.length).toBe(want.hours);
    expect(spec.seconds).toEqual(want.seconds);
  });

  it("reads month and weekday names, 7 as Sunday, and ? in day fields", () => {
    const spec = parseCron("0 12 ? JAN,jul SUN,7,Mon-wed");
    expect(spec.months).toEqual([1, 7]);
    expect(spec.daysOfWeek).toEqual([0, 1, 2, 3]);
    expect(spec.domStar).toBe(true);
    expect(spec.dowStar).toBe(false);
  });

  it.each([
    ["* * * *", /expected 5 fields/],
    ["* * * * * * *", /expected 5 fields/],
    ["61 * * * *", /minute value 61 is out of range 0-59/],
    ["* 24 * * *", /hour value 24/],
    ["* * 0 * *", /day of month value 0/],
    ["* * * 13 *", /month value 13/],
    ["* * * * 8", /day of week value 8/],
    ["5-1 * * * *", /backwards/],
    ["*/0 * * * *", /step must be at least 1/],
    ["a * * * *", /invalid value "a"/],
    ["1,,2 * * * *", /empty list item/],
    ["? * * * *", /only allowed in the day fields/],
    ["@reboot", /unknown macro/],
    ["1-2-3 * * * *", /bad range/],
  ])("rejects %s", (expr, message) => {
    expect(() => parseCron(expr)).toThrow(CronSyntaxError);
    expect(() => parseCron(expr)).toThrow(message);
  });
});

describe("nextTick in UTC", () => {
  it.each([
    ["*/15 * * * *", "2024-01-01T00:07:00Z", "2024-01-01T00:15:00.000Z"],
    ["*/15 * * * *", "2024-01-01T00:15:00Z", "2024-01-01T00:30:00.000Z"],
    ["*/15 * * * *", "2024-01-01T00:14:59.999Z", "2024-01-01T00:15:00.000Z"],
    ["0 9 * * 1-5", "2024-01-05T09:00:00Z", "2024-01-08T09:00:00.000Z"],
    ["0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    // day-of-month and day-of-week both restricted: either matches (Fri 5 Jan before the 15th)
    ["0 0 1,15 * 5", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00.000Z"],
    // day-of-week with `*` day-of-month: both must match
    ["0 0 * * 5", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00.000Z"],
    ["0 0 */10 * 5", "2024-01-01T00:00:00Z", "2024-03-01T00:00:00.000Z"],
    ["0 12 * JAN,jul SUN", "2024-01-29T00:00:00Z", "2024-07-07T12:00:00.000Z"],
    ["59 23 31 12 *", "2024-06-01T00:00:00Z", "2024-12-31T23:59:00.000Z"],
    ["@yearly", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00.000Z"],
    ["*/5 * * * * *", "2024-01-01T12:00:03.500Z", "2024-01-01T12:00:05.000Z"],
    ["30 * * * * *", "2024-01-01T12:00:30Z", "2024-01-01T12:01:30.000Z"],
  ])("%s after %s", (expr, after, want) => {
    expect(next(expr, "UTC", after)).toBe(want);
  });

  it("returns null for a date that never exists", () => {
    expect(next("0 0 31 2 *", "UTC", "2024-01-01T00:00:00Z")).toBeNull();
    expect(next("0 0 30 2 *", "UTC", "2024-01-01T00:00:00Z")).toBeNull();
  });
});

describe("nextTick in time zones", () => {
  it.each([
    // fixed offsets and half-hour zones
    ["0 9 * * *", "Asia/Kolkata", "2024-01-01T00:00:00Z", "2024-01-01T03:30:00.000Z"],
    ["0 9 * * *", "America/New_York", "2024-01-01T00:00:00Z", "2024-01-01T14:00:00.000Z"],
    ["0 9 * * *", "America/New_York", "2024-07-01T00:00:00Z", "2024-07-01T13:00:00.000Z"],
    // midnight in Berlin on the night of the change to summer time
    ["@daily", "Europe/Berlin", "2024-03-30T23:30:00Z", "2024-03-31T22:00:00.000Z"],
  ])("%s in %s after %s", (expr, tz, after, want) => {
    expect(next(expr, tz, after)).toBe(want);
  });

  it("New York spring forward: 02:30 does not exist, fires right after the gap, once", () => {
    // 2024-03-10: 02:00 EST (07:00Z) jumps to 03:00 EDT
    expect(ticks("30 2 * * *", "America/New_York", "2024-03-09T12:00:00Z", 3)).toEqual([
      "2024-03-10T07:00:00.000Z",
      "2024-03-11T06:30:00.000Z",
      "2024-03-12T06:30:00.000Z",
    ]);
  });

  it("New York spring forward: every-minute-at-2am collapses into one tick at 03:00 EDT", () => {
    // 06:58Z is 01:58 EST: no match until the gap, then the next day's 02:00 EDT
    expect(ticks("* 2 * * *", "America/New_York", "2024-03-10T06:58:00Z", 3)).toEqual([
      "2024-03-10T07:00:00.000Z",
      "2024-03-11T06:00:00.000Z",
      "2024-03-11T06:01:00.000Z",
    ]);
  });

  it("New York fall back: a fixed 01:30 fires once (first occurrence)", () => {
    // 2024-11-03: 02:00 EDT (06:00Z) falls back to 01:00 EST
    expect(ticks("30 1 * * *", "America/New_York", "2024-11-02T12:00:00Z", 3)).toEqual([
      "2024-11-03T05:30:00.000Z",
      "2024-11-04T06:30:00.000Z",
      "2024-11-05T06:30:00.000Z",
    ]);
  });

  it("New York fall back: an every-30-minutes schedule keeps firing in the repeated hour", () => {
    expect(ticks("*/30 * * * *", "America/New_York", "2024-11-03T04:45:00Z", 6)).toEqual([
      "2024-11-03T05:00:00.000Z",
      "2024-11-03T05:30:00.000Z",
      "2024-11-03T06:00:00.000Z",
      "2024-11-03T06:30:00.000Z",
      "2024-11-03T07:00:00.000Z",
      "2024-11-03T07:30:00.000Z",
    ]);
  });

  it("Berlin spring forward and fall back for 02:30", () => {
    // 2024-03-31: 02:00 CET (01:00Z) jumps to 03:00 CEST
    expect(ticks("30 2 * * *", "Europe/Berlin", "2024-03-30T12:00:00Z", 2)).toEqual([
      "2024-03-31T01:00:00.000Z",
      "2024-04-01T00:30:00.000Z",
    ]);
    // 2024-10-27: 03:00 CEST (01:00Z) falls back to 02:00 CET; 02:30 happens twice
    expect(ticks("30 2 * * *", "Europe/Berlin", "2024-10-26T12:00:00Z", 2)).toEqual([
      "2024-10-27T00:30:00.000Z",
      "2024-10-28T01:30:00.000Z",
    ]);
  });

  it("hourly in Berlin across the fall back gives 25 ticks that day", () => {
    const day = ticks("0 * * * *", "Europe/Berlin", "2024-10-26T21:59:00Z", 30).filter(
      (t) => t >= "2024-10-26T22:00:00.000Z" && t < "2024-10-27T23:00:00.000Z",
    );
    expect(day).toHaveLength(25);
    expect(new Set(day).size).toBe(25);
  });

  it("knows valid and invalid zones", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("end time and missed ticks", () => {
  const spec = parseCron("0 * * * *");
  it.each([
    [null, "2024-01-01T11:00:00.000Z"],
    ["2024-01-01T11:00:00Z", "2024-01-01T11:00:00.000Z"],
    ["2024-01-01T10:59:59Z", null],
  ])("end_time %s", (end, want) => {
    const got = nextRunAt(spec, "UTC", at("2024-01-01T10:30:00Z"), end ? at(end) : null);
    expect(got?.toISOString() ?? null).toBe(want);
  });

  it.each([
    // on time (a little late): the due tick itself
    ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00.250Z", "2024-01-01T10:00:00.000Z"],
    // down for 5 hours: only the latest missed tick
    ["2024-01-01T05:00:00Z", "2024-01-01T10:20:00Z", "2024-01-01T10:00:00.000Z"],
    // down for a month
    ["2023-12-01T00:00:00Z", "2024-01-01T10:20:00Z", "2024-01-01T10:00:00.000Z"],
  ])("since %s, now %s", (since, now, want) => {
    expect(latestTickAtOrBefore(spec, "UTC", at(now), at(since))?.toISOString()).toBe(want);
  });

  it("has no tick when the due time is still ahead", () => {
    expect(
      latestTickAtOrBefore(spec, "UTC", at("2024-01-01T10:20:00Z"), at("2024-01-01T11:00:00Z")),
    ).toBeNull();
  });

  it("finds the latest second of a seconds schedule after a long outage quickly", () => {
    const every2s = parseCron("*/2 * * * * *");
    const t0 = Date.now();
    const got = latestTickAtOrBefore(
      every2s,
      "Europe/Berlin",
      at("2024-06-01T10:00:05.5Z"),
      at("2024-05-01T00:00:00Z"),
    );
    expect(got?.toISOString()).toBe("2024-06-01T10:00:04.000Z");
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
