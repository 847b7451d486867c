/** The log feed: ring buffer bounds, filters, run context on lines, and follow (backlog then live). */
import { describe, expect, it } from "vitest";
import { withLogContext } from "../../src/logging/context.ts";
import { LEVELS, LogFeed, matches } from "../../src/logging/feed.ts";
import { createLogger } from "../../src/logging/logger.ts";

const line = (o: Record<string, unknown>) => `${JSON.stringify({ time: 1, level: 30, ...o })}\n`;

describe("log feed", () => {
  it("keeps the newest `capacity` lines in order with increasing seq", () => {
    const feed = new LogFeed(3);
    for (let i = 1; i <= 5; i++) feed.push(line({ msg: `m${i}` }));
    expect(feed.recent().map((e) => e.msg)).toEqual(["m3", "m4", "m5"]);
    expect(feed.recent().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(feed.recent({}, 2).map((e) => e.msg)).toEqual(["m4", "m5"]);
    expect(feed.lastSeq).toBe(5);
  });

  it("filters by level, run, thread (field, id list or request path) and text", () => {
    const feed = new LogFeed();
    feed.push(line({ level: LEVELS.debug, msg: "noise" }));
    feed.push(line({ level: LEVELS.warn, msg: "slow", run_id: "r1", thread_id: "t1" }));
    feed.push(line({ msg: "requeued", run_ids: ["r2", "r1"] }));
    feed.push(line({ msg: "request", path: "/threads/t1/runs/r3" }));
    feed.push("not json at all");
    expect(feed.recent({ level: LEVELS.warn }).map((e) => e.msg)).toEqual(["slow"]);
    expect(feed.recent({ runId: "r1" }).map((e) => e.msg)).toEqual(["slow", "requeued"]);
    expect(feed.recent({ threadId: "t1" }).map((e) => e.msg)).toEqual(["slow", "request"]);
    expect(feed.recent({ runId: "r3" }).map((e) => e.msg)).toEqual(["request"]);
    expect(feed.recent({ grep: "SLOW" }).map((e) => e.msg)).toEqual(["slow"]);
    expect(feed.recent({ grep: "at all" }).map((e) => e.msg)).toEqual(["not json at all"]);
    expect(feed.recent({ after: 3 }).map((e) => e.seq)).toEqual([4, 5]);
    expect(matches({ seq: 1, time: 1, level: 30 }, { runId: "x" })).toBe(false);
  });

  it("receives the logger's lines with the run context stamped on them", async () => {
    const feed = new LogFeed();
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const logger = createLogger({ level: "info", pretty: false, destination: sink, feed });
    logger.debug("below the level");
    await withLogContext({ run_id: "r9", thread_id: "t9" }, async () => {
      await Promise.resolve();
      logger.child({ source: "graph" }).info({ step: 1 }, "inside");
    });
    logger.info("outside");
    const [inside, outside] = feed.recent();
    expect(inside).toMatchObject({ msg: "inside", run_id: "r9", thread_id: "t9", step: 1 });
    expect(outside?.run_id).toBeUndefined();
    expect(feed.recent()).toHaveLength(2);
  });

  it("follows: the backlog, then live lines, until aborted", async () => {
    const feed = new LogFeed();
    feed.push(line({ msg: "old-1" }));
    feed.push(line({ msg: "old-2", level: LEVELS.error }));
    const abort = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const entry of feed.follow({ level: LEVELS.error }, 10, abort.signal)) {
        seen.push(entry.msg!);
        if (seen.length === 2) abort.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 10));
    feed.push(line({ msg: "live-info" }));
    feed.push(line({ msg: "live-error", level: LEVELS.error }));
    await reading;
    expect(seen).toEqual(["old-2", "live-error"]);
  });
});
