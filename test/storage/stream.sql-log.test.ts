/**
 * SqlRunEventLog on every backend (PGlite, and PostgreSQL when reachable): the semantics shared by
 * the in-memory and Redis logs (ids, replay, resume, tails, resumable vs non-resumable joins,
 * retention, trimming, retried attempts) plus what only a shared log does: a second instance on
 * its own connection pool (another process) reads and resumes what the first one wrote, woken by
 * NOTIFY. Strings PostgreSQL jsonb refuses (U+0000) round-trip.
 */
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import type { LoggedEvent } from "../../src/stream/log.ts";
import { type SqlLogOptions, SqlRunEventLog } from "../../src/stream/sql-log.ts";
import { PG_ADMIN_URL } from "../support/server.ts";
import { storageBackends } from "../support/storage.ts";

// Not on SQLite: it serves one process (role `all`), which logs run events in memory; the SQL log
// is never built there (`runEventLog` in src/server/features/run-engine.ts).
const backends = (await storageBackends("SQL run event log", "h17_sqllog")).filter(
  (b) => !b.name.startsWith("sqlite"),
);

async function collect(it: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const rid = () => `run-${Date.now()}-${++seq}`;

describe.each(backends)("SqlRunEventLog ($name)", (backend) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  const logs: SqlRunEventLog[] = [];
  const make = (options: Partial<SqlLogOptions> = {}, on = handle) => {
    const log = new SqlRunEventLog({ db: on.db, listen: on.listen, ...options });
    logs.push(log);
    return log;
  };

  beforeAll(async () => {
    ({ handle, cleanup } = await backend.open());
  }, 180_000);
  afterAll(async () => {
    for (const log of logs) await log.close();
    await cleanup?.();
  });

  it("numbers events 0,1,2 per run and replays them in order from -1", async () => {
    const log = make();
    const [r1, r2] = [rid(), rid()];
    await log.open(r1, { resumable: true });
    expect(await log.append(r1, { event: "metadata", data: { run_id: r1 } })).toBe("0");
    expect(await log.append(r1, { event: "values", data: { a: 1 } })).toBe("1");
    expect(await log.append(r2, { event: "values", data: 0 })).toBe("0");
    expect(await log.append(r1, { event: "values", data: { a: 2 } })).toBe("2");
    await log.complete(r1);
    expect(await collect(log.read(r1, { lastEventId: "-1" }))).toEqual([
      { id: "0", event: "metadata", data: { run_id: r1 } },
      { id: "1", event: "values", data: { a: 1 } },
      { id: "2", event: "values", data: { a: 2 } },
    ]);
  });

  it("round-trips strings jsonb cannot hold (U+0000, lone surrogates)", async () => {
    const log = make();
    const r = rid();
    const data = { text: "a\u0000b", odd: "x\ud800y", nested: [{ "k\u0000": 1 }] };
    await log.append(r, { event: "values", data });
    await log.complete(r);
    const [event] = await collect(log.read(r, { lastEventId: "-1" }));
    expect(event?.data).toEqual(data);
  });

  it("resumes after id N with N+1", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: true });
    for (let i = 0; i < 5; i++) await log.append(r, { event: "e", data: i });
    await log.complete(r);
    const events = await collect(log.read(r, { lastEventId: "2" }));
    expect(events.map((e) => `${e.id}:${e.data}`)).toEqual(["3:3", "4:4"]);
  });

  it("tails live events and ends on completion", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: false });
    const reading = collect(log.read(r, { lastEventId: "-1" }));
    await sleep(30);
    await log.append(r, { event: "a", data: 1 });
    await sleep(30);
    await log.append(r, { event: "b", data: 2 });
    await log.complete(r);
    expect((await reading).map((e) => `${e.id}:${e.event}`)).toEqual(["0:a", "1:b"]);
  });

  it("a second instance on its own connections reads, and resumes mid-run, what the first wrote, woken by NOTIFY", async () => {
    // On PostgreSQL the second instance has its own pool and LISTEN connection (another process).
    const other =
      backend.name === "postgres"
        ? await openStorage({
            databaseUrl: await databaseUrlOf(handle),
            dataDir: null,
            poolSize: 2,
          })
        : handle;
    try {
      const a = make();
      const b = make({}, other);
      const r = rid();
      await a.open(r, { resumable: true });
      // A long idle check: only the notification can wake the reader quickly.
      const full = collect(b.read(r, { lastEventId: "-1", idleCheckMs: 60_000 }));
      const first: LoggedEvent[] = [];
      const ac = new AbortController();
      const partial = (async () => {
        for await (const e of b.read(r, { lastEventId: "-1", signal: ac.signal })) {
          first.push(e);
          if (first.length === 7) ac.abort();
        }
      })();
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        await a.append(r, { event: "values", data: { i } });
        if (i % 5 === 0) await sleep(5);
      }
      await partial;
      const resumed = collect(b.read(r, { lastEventId: first.at(-1)?.id }));
      for (let i = 20; i < 30; i++) await a.append(r, { event: "values", data: { i } });
      await a.complete(r);
      const all = await full;
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(all.map((e) => e.id)).toEqual([...Array(30).keys()].map(String));
      expect([...first, ...(await resumed)]).toEqual(all);
    } finally {
      if (other !== handle) await other.close();
    }
  });

  it("gives concurrent readers identical sequences", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: true });
    const readers = [1, 2, 3].map(() => collect(log.read(r, { lastEventId: "-1" })));
    for (let i = 0; i < 40; i++) {
      await log.append(r, { event: "e", data: i });
      if (i % 7 === 0) await sleep(2);
    }
    await log.complete(r);
    const [x, y, z] = await Promise.all(readers);
    expect(x?.map((e) => e.data)).toEqual([...Array(40).keys()]);
    expect(y).toEqual(x);
    expect(z).toEqual(x);
  });

  it("a joiner of a resumable run without Last-Event-ID only sees later events", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: true });
    await log.append(r, { event: "old", data: 0 });
    const reading = collect(log.read(r));
    await sleep(50);
    await log.append(r, { event: "new", data: 1 });
    await log.complete(r);
    expect(await reading).toEqual([{ id: "1", event: "new", data: 1 }]);
  });

  it("a joiner of a non-resumable run without Last-Event-ID gets what no reader consumed yet", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: false });
    await log.append(r, { event: "metadata", data: 0 });
    await log.append(r, { event: "values", data: 1 });
    const first = log.read(r)[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ id: "0" });
    expect((await first.next()).value).toMatchObject({ id: "1" });
    await sleep(50); // the consumed mark is written in the background
    const second = collect(log.read(r));
    await sleep(50);
    await log.append(r, { event: "error", data: 2 });
    await log.complete(r);
    expect((await second).map((e) => e.id)).toEqual(["2"]);
    expect((await first.next()).value).toMatchObject({ id: "2", event: "error" });
    expect((await first.next()).done).toBe(true);
  });

  it("joining a finished resumable run without Last-Event-ID yields nothing", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: true });
    await log.append(r, { event: "a", data: 1 });
    await log.complete(r);
    expect(await collect(log.read(r))).toEqual([]);
  });

  it("a reader that starts before the run opens gets every event", async () => {
    const log = make();
    const r = rid();
    const reading = collect(log.read(r));
    await sleep(30);
    await log.append(r, { event: "metadata", data: {} });
    await log.append(r, { event: "values", data: {} });
    await log.complete(r);
    expect((await reading).map((e) => e.id)).toEqual(["0", "1"]);
  });

  it("complete on a never-started run ends waiting readers", async () => {
    const log = make();
    const r = rid();
    const reading = collect(log.read(r, { lastEventId: "-1" }));
    await sleep(30);
    await log.complete(r);
    expect(await reading).toEqual([]);
  });

  it("stops on abort and when stillActive says the run is gone", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: true });
    const ac = new AbortController();
    const reading = collect(log.read(r, { lastEventId: "-1", signal: ac.signal, idleCheckMs: 50 }));
    await log.append(r, { event: "a", data: 1 });
    await sleep(50);
    ac.abort();
    expect((await reading).map((e) => e.event)).toEqual(["a"]);
    let checks = 0;
    const ghost = await collect(
      log.read(rid(), { idleCheckMs: 20, stillActive: async () => ++checks < 3 }),
    );
    expect(ghost).toEqual([]);
    expect(checks).toBe(3);
  });

  it("expires a non-resumable log after the grace period and a resumable one after retention", async () => {
    const log = make({ retentionMs: 1500, graceMs: 150 });
    const [res, non] = [rid(), rid()];
    await log.open(res, { resumable: true });
    await log.open(non, { resumable: false });
    await log.append(res, { event: "a", data: 1 });
    await log.append(non, { event: "a", data: 1 });
    await log.complete(res);
    await log.complete(non);
    expect(await log.has(non)).toBe(true);
    await sleep(400);
    expect(await log.has(non)).toBe(false);
    expect(await log.has(res)).toBe(true);
    expect(await collect(log.read(res, { lastEventId: "-1" }))).toHaveLength(1);
    await sleep(1400);
    expect(await log.has(res)).toBe(false);
    await log.sweep();
    const left = await handle.db
      .selectFrom("run_events")
      .select("run_id")
      .where("run_id", "in", [res, non])
      .execute();
    expect(left).toEqual([]);
  });

  it("trims a run to maxEventsPerRun (oldest dropped) while ids keep counting", async () => {
    const log = make({ maxEventsPerRun: 10 });
    const r = rid();
    await log.open(r, { resumable: true });
    for (let i = 0; i < 40; i++) await log.append(r, { event: "e", data: i });
    await log.complete(r);
    await log.sweep();
    const events = await collect(log.read(r, { lastEventId: "-1" }));
    expect(events.map((e) => e.id)).toEqual([...Array(10).keys()].map((i) => String(30 + i)));
    expect(events.map((e) => e.data)).toEqual(events.map((e) => Number(e.id)));
  });

  it("a retried attempt reopens a completed log and continues numbering", async () => {
    const log = make();
    const r = rid();
    await log.open(r, { resumable: true });
    await log.append(r, { event: "metadata", data: { attempt: 1 } });
    await log.complete(r);
    expect(await log.append(r, { event: "metadata", data: { attempt: 2 } })).toBe("1");
    const reading = collect(log.read(r, { lastEventId: "0" }));
    await sleep(30);
    await log.append(r, { event: "values", data: {} });
    await log.complete(r);
    expect((await reading).map((e) => e.id)).toEqual(["1", "2"]);
    const replay = await collect(log.read(r, { lastEventId: "-1" }));
    expect(replay.map((e) => e.id)).toEqual(["0", "1", "2"]);
  });

  it("retries a failed write up to writeTimeoutMs, then reports it and goes on", async () => {
    // A database nobody listens on: every query fails with a connection error.
    const pool = new pg.Pool({ connectionString: "postgres://127.0.0.1:1/none" });
    const gone = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const failures: string[] = [];
    const broken = new SqlRunEventLog({
      db: gone,
      listen: handle.listen,
      writeTimeoutMs: 300,
      onWriteFailure: (runId) => failures.push(runId),
    });
    logs.push(broken);
    const started = Date.now();
    expect(await broken.append("lost", { event: "e", data: 1 })).toBe("");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(failures).toEqual(["lost"]);
    await gone.destroy();
  });
});

/** The URL of the PostgreSQL test database behind `handle`. */
async function databaseUrlOf(handle: StorageHandle): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(
    handle.db,
  );
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${rows[0]?.name}`;
  return url.toString();
}
