/** MemoryRunEventLog: ordering, replay, resume, concurrent readers, completion, retention. */
import { afterEach, describe, expect, it } from "vitest";
import { type LoggedEvent, startIndex } from "../../src/stream/log.ts";
import { MemoryRunEventLog } from "../../src/stream/memory-log.ts";

const logs: MemoryRunEventLog[] = [];
function makeLog(opts: ConstructorParameters<typeof MemoryRunEventLog>[0] = {}) {
  const log = new MemoryRunEventLog(opts);
  logs.push(log);
  return log;
}
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
});

async function collect(it: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("startIndex", () => {
  it("maps Last-Event-ID to the next index", () => {
    expect(startIndex(undefined)).toBeUndefined();
    expect(startIndex("")).toBeUndefined();
    expect(startIndex("-1")).toBe(0);
    expect(startIndex("3")).toBe(4);
    expect(startIndex("abc")).toBeUndefined();
    expect(startIndex("-5")).toBeUndefined();
  });
});

describe("MemoryRunEventLog", () => {
  it("numbers events 0,1,2 per run and replays them in order from -1", async () => {
    const log = makeLog();
    await log.open("r1", { resumable: true });
    expect(await log.append("r1", { event: "metadata", data: { run_id: "r1" } })).toBe("0");
    expect(await log.append("r1", { event: "values", data: { a: 1 } })).toBe("1");
    expect(await log.append("r2", { event: "values", data: 0 })).toBe("0");
    expect(await log.append("r1", { event: "values", data: { a: 2 } })).toBe("2");
    await log.complete("r1");
    const events = await collect(log.read("r1", { lastEventId: "-1" }));
    expect(events).toEqual([
      { id: "0", event: "metadata", data: { run_id: "r1" } },
      { id: "1", event: "values", data: { a: 1 } },
      { id: "2", event: "values", data: { a: 2 } },
    ]);
  });

  it("resumes after id N with N+1", async () => {
    const log = makeLog();
    await log.open("r", { resumable: true });
    for (let i = 0; i < 5; i++) await log.append("r", { event: "e", data: i });
    await log.complete("r");
    const events = await collect(log.read("r", { lastEventId: "2" }));
    expect(events.map((e) => e.id)).toEqual(["3", "4"]);
    expect(events.map((e) => e.data)).toEqual([3, 4]);
  });

  it("tails live events and ends on completion", async () => {
    const log = makeLog();
    await log.open("r", { resumable: false });
    const reading = collect(log.read("r", { lastEventId: "-1" }));
    await tick();
    await log.append("r", { event: "a", data: 1 });
    await tick();
    await log.append("r", { event: "b", data: 2 });
    await log.complete("r");
    expect((await reading).map((e) => `${e.id}:${e.event}`)).toEqual(["0:a", "1:b"]);
  });

  it("gives concurrent readers identical sequences", async () => {
    const log = makeLog();
    await log.open("r", { resumable: true });
    const readers = [1, 2, 3].map(() => collect(log.read("r", { lastEventId: "-1" })));
    for (let i = 0; i < 50; i++) {
      await log.append("r", { event: "e", data: i });
      if (i % 7 === 0) await tick();
    }
    await log.complete("r");
    const [a, b, c] = await Promise.all(readers);
    expect(a).toHaveLength(50);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a?.map((e) => e.data)).toEqual([...Array(50).keys()]);
  });

  it("a joiner of a resumable run without Last-Event-ID only sees events appended after it joined", async () => {
    const log = makeLog();
    await log.open("r", { resumable: true });
    await log.append("r", { event: "old", data: 0 });
    const reading = collect(log.read("r"));
    await tick();
    await log.append("r", { event: "new", data: 1 });
    await log.complete("r");
    expect(await reading).toEqual([{ id: "1", event: "new", data: 1 }]);
  });

  it("a joiner of a non-resumable run without Last-Event-ID gets what no reader consumed yet", async () => {
    const log = makeLog();
    await log.open("r", { resumable: false });
    await log.append("r", { event: "metadata", data: 0 });
    await log.append("r", { event: "values", data: 1 });
    // nobody read yet: the first joiner gets everything (runs.create + joinStream)
    const first = log.read("r")[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ id: "0" });
    expect((await first.next()).value).toMatchObject({ id: "1" });
    // a later joiner starts after what was consumed
    const second = collect(log.read("r"));
    await tick();
    await log.append("r", { event: "error", data: 2 });
    await log.complete("r");
    expect((await second).map((e) => e.id)).toEqual(["2"]);
    expect((await first.next()).value).toMatchObject({ id: "2", event: "error" });
    expect((await first.next()).done).toBe(true);
  });

  it("joining a finished non-resumable run whose events were all consumed yields nothing", async () => {
    const log = makeLog();
    await log.open("r", { resumable: false });
    await log.append("r", { event: "a", data: 1 });
    await log.complete("r");
    expect(await collect(log.read("r", { lastEventId: "-1" }))).toHaveLength(1);
    expect(await collect(log.read("r"))).toEqual([]);
  });

  it("joining a finished run without Last-Event-ID yields nothing", async () => {
    const log = makeLog();
    await log.open("r", { resumable: true });
    await log.append("r", { event: "a", data: 1 });
    await log.complete("r");
    expect(await collect(log.read("r"))).toEqual([]);
  });

  it("a reader that starts before the run opens gets every event", async () => {
    const log = makeLog();
    const reading = collect(log.read("late"));
    await tick();
    await log.append("late", { event: "metadata", data: {} });
    await log.append("late", { event: "values", data: {} });
    await log.complete("late");
    expect((await reading).map((e) => e.id)).toEqual(["0", "1"]);
  });

  it("complete on a never-started run ends waiting readers", async () => {
    const log = makeLog();
    const reading = collect(log.read("pending", { lastEventId: "-1" }));
    await tick();
    await log.complete("pending");
    expect(await reading).toEqual([]);
  });

  it("stops on abort", async () => {
    const log = makeLog();
    await log.open("r", { resumable: true });
    const ac = new AbortController();
    const reading = collect(log.read("r", { lastEventId: "-1", signal: ac.signal }));
    await log.append("r", { event: "a", data: 1 });
    await tick();
    ac.abort();
    expect((await reading).map((e) => e.event)).toEqual(["a"]);
  });

  it("stops when stillActive says the run is gone", async () => {
    const log = makeLog();
    let checks = 0;
    const events = await collect(
      log.read("ghost", {
        idleCheckMs: 10,
        stillActive: async () => {
          checks += 1;
          return checks < 3;
        },
      }),
    );
    expect(events).toEqual([]);
    expect(checks).toBe(3);
  });

  it("keeps a resumable log for the retention period and drops it after", async () => {
    let now = 1_000;
    const log = makeLog({ retentionMs: 10_000, graceMs: 100, sweepMs: 60_000, now: () => now });
    await log.open("res", { resumable: true });
    await log.open("non", { resumable: false });
    await log.append("res", { event: "a", data: 1 });
    await log.append("non", { event: "a", data: 1 });
    await log.complete("res");
    await log.complete("non");
    now += 500;
    log.sweep();
    expect(await log.has("res")).toBe(true);
    expect(await log.has("non")).toBe(false);
    expect(await collect(log.read("res", { lastEventId: "-1" }))).toHaveLength(1);
    now += 10_000;
    log.sweep();
    expect(await log.has("res")).toBe(false);
    expect(log.size()).toBe(0);
  });

  it("a non-resumable run replays to the creator within the grace period", async () => {
    let now = 0;
    const log = makeLog({ graceMs: 1_000, sweepMs: 60_000, now: () => now });
    await log.open("r", { resumable: false });
    await log.append("r", { event: "metadata", data: {} });
    await log.append("r", { event: "error", data: {} });
    await log.complete("r");
    now += 999;
    log.sweep();
    const events = await collect(log.read("r", { lastEventId: "-1" }));
    expect(events.map((e) => e.event)).toEqual(["metadata", "error"]);
  });

  it("caps events per run, dropping the oldest while ids keep counting", async () => {
    const log = makeLog({ maxEventsPerRun: 3 });
    await log.open("r", { resumable: true });
    for (let i = 0; i < 6; i++) await log.append("r", { event: "e", data: i });
    await log.complete("r");
    const events = await collect(log.read("r", { lastEventId: "-1" }));
    expect(events.map((e) => e.id)).toEqual(["3", "4", "5"]);
  });

  it("a reader suspended mid-walk while the cap trims its unread events skips to the oldest kept", async () => {
    const log = makeLog({ maxEventsPerRun: 3 });
    await log.open("r", { resumable: true });
    for (let i = 0; i < 3; i++) await log.append("r", { event: "values", data: i });
    const reader = log.read("r", { lastEventId: "-1" });
    expect((await reader.next()).value?.id).toBe("0");
    // The reader is suspended at its yield; ids 1..5 are appended, 1 and 2 trimmed under it.
    for (let i = 3; i < 6; i++) await log.append("r", { event: "values", data: i });
    await log.complete("r");
    const rest: string[] = [];
    for await (const e of reader) rest.push(e.id);
    expect(rest).toEqual(["3", "4", "5"]);
  });

  it("ends readers when the log is dropped under them", async () => {
    let now = 0;
    const log = makeLog({ graceMs: 0, sweepMs: 60_000, now: () => now });
    await log.open("r", { resumable: false });
    await log.append("r", { event: "a", data: 1 });
    const reading = collect(log.read("r", { lastEventId: "-1" }));
    await tick();
    await log.close();
    expect((await reading).map((e) => e.event)).toEqual(["a"]);
    now += 1;
  });

  it("a retried attempt reopens a completed log and continues numbering", async () => {
    const log = makeLog();
    await log.open("r", { resumable: true });
    await log.append("r", { event: "metadata", data: { attempt: 1 } });
    await log.complete("r");
    expect(await log.append("r", { event: "metadata", data: { attempt: 2 } })).toBe("1");
    const reading = collect(log.read("r", { lastEventId: "0" }));
    await tick();
    await log.append("r", { event: "values", data: {} });
    await log.complete("r");
    expect((await reading).map((e) => e.id)).toEqual(["1", "2"]);
  });
});
