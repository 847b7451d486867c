/**
 * RedisRunEventLog against the real Redis (REDIS 127.0.0.1:6379): the in-memory log's semantics
 * (ids, replay, resume, tails, resumable vs non-resumable joins, retention, caps, retries of a
 * completed run) plus what only a shared log can do: a second instance (another replica) reads and
 * resumes what the first one wrote. Each test uses its own key prefix and deletes it afterwards.
 * Not registered (with a warning) when Redis is unreachable.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { RedisConnection } from "../../src/redis/connection.ts";
import type { LoggedEvent } from "../../src/stream/log.ts";
import { type RedisLogOptions, RedisRunEventLog } from "../../src/stream/redis-log.ts";
import { REDIS_TEST_URL } from "../support/server.ts";

const available = await redisPing(REDIS_TEST_URL);
if (!available)
  console.warn(`[skip] Redis not reachable at ${REDIS_TEST_URL}: Redis log tests not registered`);

const quiet = pino({ level: "silent" });
const opened: { conn: RedisConnection; log: RedisRunEventLog }[] = [];
const prefixes: string[] = [];

async function makeLog(options: RedisLogOptions = {}, prefix?: string) {
  const p = prefix ?? `olgtest:${randomBytes(4).toString("hex")}:`;
  if (!prefixes.includes(p)) prefixes.push(p);
  const conn = new RedisConnection({ url: REDIS_TEST_URL, logger: quiet, prefix: p });
  await conn.waitReady(3000);
  const log = new RedisRunEventLog(conn, options);
  opened.push({ conn, log });
  return { log, conn, prefix: p };
}

afterEach(async () => {
  const cleanup = opened[0]?.conn;
  if (cleanup)
    for (const p of prefixes.splice(0)) {
      const keys = await cleanup.client.keys(`${p}*`);
      if (keys.length) await cleanup.client.del(...keys);
    }
  for (const { log, conn } of opened.splice(0)) {
    await log.close();
    await conn.close();
  }
});

async function collect(it: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(available)("RedisRunEventLog", () => {
  it("numbers events 0,1,2 per run and replays them in order from -1", async () => {
    const { log } = await makeLog();
    await log.open("r1", { resumable: true });
    expect(await log.append("r1", { event: "metadata", data: { run_id: "r1" } })).toBe("0");
    expect(await log.append("r1", { event: "values", data: { a: 1 } })).toBe("1");
    expect(await log.append("r2", { event: "values", data: 0 })).toBe("0");
    expect(await log.append("r1", { event: "values", data: { a: 2 } })).toBe("2");
    await log.complete("r1");
    expect(await collect(log.read("r1", { lastEventId: "-1" }))).toEqual([
      { id: "0", event: "metadata", data: { run_id: "r1" } },
      { id: "1", event: "values", data: { a: 1 } },
      { id: "2", event: "values", data: { a: 2 } },
    ]);
  });

  it("resumes after id N with N+1", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    for (let i = 0; i < 5; i++) await log.append("r", { event: "e", data: i });
    await log.complete("r");
    const events = await collect(log.read("r", { lastEventId: "2" }));
    expect(events.map((e) => e.id)).toEqual(["3", "4"]);
    expect(events.map((e) => e.data)).toEqual([3, 4]);
  });

  it("tails live events with a blocking read and ends on completion", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: false });
    const reading = collect(log.read("r", { lastEventId: "-1" }));
    await sleep(30);
    await log.append("r", { event: "a", data: 1 });
    await sleep(30);
    await log.append("r", { event: "b", data: 2 });
    await log.complete("r");
    expect((await reading).map((e) => `${e.id}:${e.event}`)).toEqual(["0:a", "1:b"]);
  });

  it("a second instance (another replica) reads, and resumes mid-run, exactly what the first wrote", async () => {
    const a = await makeLog();
    const b = await makeLog({}, a.prefix);
    await a.log.open("r", { resumable: true });
    const full = collect(b.log.read("r", { lastEventId: "-1" }));
    const first: LoggedEvent[] = [];
    const ac = new AbortController();
    const partial = (async () => {
      for await (const e of b.log.read("r", { lastEventId: "-1", signal: ac.signal })) {
        first.push(e);
        if (first.length === 7) ac.abort();
      }
    })();
    for (let i = 0; i < 20; i++) {
      await a.log.append("r", { event: "values", data: { i } });
      if (i % 5 === 0) await sleep(5);
    }
    await partial;
    const resumed = collect(b.log.read("r", { lastEventId: first.at(-1)?.id }));
    for (let i = 20; i < 30; i++) await a.log.append("r", { event: "values", data: { i } });
    await a.log.complete("r");
    const all = await full;
    expect(all.map((e) => e.id)).toEqual([...Array(30).keys()].map(String));
    expect([...first, ...(await resumed)]).toEqual(all);
  });

  it("gives concurrent readers identical sequences", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    const readers = [1, 2, 3].map(() => collect(log.read("r", { lastEventId: "-1" })));
    for (let i = 0; i < 50; i++) {
      await log.append("r", { event: "e", data: i });
      if (i % 7 === 0) await sleep(2);
    }
    await log.complete("r");
    const [x, y, z] = await Promise.all(readers);
    expect(x?.map((e) => e.data)).toEqual([...Array(50).keys()]);
    expect(y).toEqual(x);
    expect(z).toEqual(x);
  });

  it("parses an event's JSON once for all readers of the process (they share the data)", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    const readers = [1, 2].map(() => collect(log.read("r", { lastEventId: "-1" })));
    await sleep(20); // both wait on the shared reader
    for (let i = 0; i < 20; i++) await log.append("r", { event: "e", data: { i } });
    await log.complete("r");
    const [x, y] = await Promise.all(readers);
    expect(x?.map((e) => e.data)).toEqual([...Array(20).keys()].map((i) => ({ i })));
    for (const [k, e] of (x ?? []).entries()) expect(y?.[k]?.data).toBe(e.data);
  });

  it("a joiner of a resumable run without Last-Event-ID only sees later events", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    await log.append("r", { event: "old", data: 0 });
    const reading = collect(log.read("r"));
    await sleep(50);
    await log.append("r", { event: "new", data: 1 });
    await log.complete("r");
    expect(await reading).toEqual([{ id: "1", event: "new", data: 1 }]);
  });

  it("a joiner of a non-resumable run without Last-Event-ID gets what no reader consumed yet", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: false });
    await log.append("r", { event: "metadata", data: 0 });
    await log.append("r", { event: "values", data: 1 });
    const first = log.read("r")[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ id: "0" });
    expect((await first.next()).value).toMatchObject({ id: "1" });
    await sleep(30); // the consumed mark is written in the background
    const second = collect(log.read("r"));
    await sleep(30);
    await log.append("r", { event: "error", data: 2 });
    await log.complete("r");
    expect((await second).map((e) => e.id)).toEqual(["2"]);
    expect((await first.next()).value).toMatchObject({ id: "2", event: "error" });
    expect((await first.next()).done).toBe(true);
  });

  it("joining a finished resumable run without Last-Event-ID yields nothing", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    await log.append("r", { event: "a", data: 1 });
    await log.complete("r");
    expect(await collect(log.read("r"))).toEqual([]);
  });

  it("a reader that starts before the run opens gets every event", async () => {
    const { log } = await makeLog();
    const reading = collect(log.read("late"));
    await sleep(30);
    await log.append("late", { event: "metadata", data: {} });
    await log.append("late", { event: "values", data: {} });
    await log.complete("late");
    expect((await reading).map((e) => e.id)).toEqual(["0", "1"]);
  });

  it("complete on a never-started run ends waiting readers", async () => {
    const { log } = await makeLog();
    const reading = collect(log.read("pending", { lastEventId: "-1" }));
    await sleep(30);
    await log.complete("pending");
    expect(await reading).toEqual([]);
  });

  it("stops on abort and when stillActive says the run is gone", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    const ac = new AbortController();
    const reading = collect(
      log.read("r", { lastEventId: "-1", signal: ac.signal, idleCheckMs: 50 }),
    );
    await log.append("r", { event: "a", data: 1 });
    await sleep(30);
    ac.abort();
    expect((await reading).map((e) => e.event)).toEqual(["a"]);
    let checks = 0;
    const ghost = await collect(
      log.read("ghost", { idleCheckMs: 20, stillActive: async () => ++checks < 3 }),
    );
    expect(ghost).toEqual([]);
    expect(checks).toBe(3);
  });

  it("expires a non-resumable log after the grace period and a resumable one after retention", async () => {
    const { log } = await makeLog({ retentionMs: 1500, graceMs: 150 });
    await log.open("res", { resumable: true });
    await log.open("non", { resumable: false });
    await log.append("res", { event: "a", data: 1 });
    await log.append("non", { event: "a", data: 1 });
    await log.complete("res");
    await log.complete("non");
    expect(await log.has("non")).toBe(true);
    await sleep(400);
    expect(await log.has("non")).toBe(false);
    expect(await log.has("res")).toBe(true);
    expect(await collect(log.read("res", { lastEventId: "-1" }))).toHaveLength(1);
    await sleep(1400);
    expect(await log.has("res")).toBe(false);
  });

  it("caps the stream (oldest dropped) while ids keep counting", async () => {
    const { log, conn, prefix } = await makeLog({ maxEventsPerRun: 10 });
    await log.open("r", { resumable: true });
    for (let i = 0; i < 300; i++) await log.append("r", { event: "e", data: i });
    await log.complete("r");
    const kept = await conn.client.xlen(`${prefix}run:r:events`);
    expect(kept).toBeLessThan(300);
    const events = await collect(log.read("r", { lastEventId: "-1" }));
    expect(events.at(-1)?.id).toBe("299");
    expect(Number(events[0]?.id)).toBeGreaterThan(0);
    expect(events.map((e) => e.data)).toEqual(events.map((e) => Number(e.id)));
  });

  it("a retried attempt reopens a completed log and continues numbering", async () => {
    const { log } = await makeLog();
    await log.open("r", { resumable: true });
    await log.append("r", { event: "metadata", data: { attempt: 1 } });
    await log.complete("r");
    expect(await log.append("r", { event: "metadata", data: { attempt: 2 } })).toBe("1");
    const reading = collect(log.read("r", { lastEventId: "0" }));
    await sleep(30);
    await log.append("r", { event: "values", data: {} });
    await log.complete("r");
    expect((await reading).map((e) => e.id)).toEqual(["1", "2"]);
    // a full replay crosses the first completion marker and ends at the last one
    expect((await collect(log.read("r", { lastEventId: "-1" }))).map((e) => e.id)).toEqual([
      "0",
      "1",
      "2",
    ]);
  });

  it("rebuilds a run's log with the same ids when Redis lost it mid-run (restart without persistence)", async () => {
    const { log, conn, prefix } = await makeLog();
    await log.open("r", { resumable: true });
    for (let i = 0; i < 4; i++) await log.append("r", { event: "e", data: i });
    const head: LoggedEvent[] = [];
    const ac = new AbortController();
    for await (const e of log.read("r", { lastEventId: "-1", signal: ac.signal })) {
      head.push(e);
      if (head.length === 2) ac.abort();
    }
    await conn.client.del(`${prefix}run:r:meta`, `${prefix}run:r:events`); // the data is gone
    const rest = collect(log.read("r", { lastEventId: head.at(-1)?.id }));
    expect(await log.append("r", { event: "e", data: 4 })).toBe("4");
    await log.complete("r");
    expect((await rest).map((e) => e.data)).toEqual([2, 3, 4]);
    expect((await collect(log.read("r", { lastEventId: "-1" }))).map((e) => e.id)).toEqual([
      "0",
      "1",
      "2",
      "3",
      "4",
    ]);
  });
});
