/**
 * No per-stream database polling (issue 24): hundreds of idle readers of the PostgreSQL run event
 * log, each with a liveness check, cost a handful of statements per idle interval in total (one
 * batched log-head query and one pooled liveness query), not one per reader; a notification still
 * wakes every reader at once with one shared fetch. Counted with a Kysely plugin on the log's own
 * database handle, on every backend with a SQL log (PGlite, PostgreSQL, MariaDB when reachable).
 */
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { RunLiveness } from "../../src/stream/liveness.ts";
import type { LoggedEvent } from "../../src/stream/log.ts";
import { SqlRunEventLog } from "../../src/stream/sql-log.ts";
import { storageBackends } from "../support/storage.ts";

// Not on SQLite: it serves one process (role `all`), which logs run events in memory; the SQL log
// is never built there (`runEventLog` in src/server/features/run-engine.ts).
const backends = (await storageBackends("SQL log idle polling", "h24_idlepoll")).filter(
  (b) => !b.name.startsWith("sqlite"),
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe.each(backends)("no per-stream polling ($name)", (backend) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ handle, cleanup } = await backend.open());
  }, 180_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it("300 idle readers with liveness checks cost a few statements per interval, not one each", async () => {
    let statements = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const log = new SqlRunEventLog({ db: handle.db.withPlugin(counter), listen: handle.listen });
    let livenessCalls = 0;
    const liveness = new RunLiveness({
      intervalMs: 200,
      activeAmong: async (ids) => {
        livenessCalls += 1;
        return new Set(ids);
      },
    });
    const stamp = Date.now();
    const runs = [0, 1, 2].map((i) => `idle-${stamp}-${i}`);
    for (const r of runs) await log.open(r, { resumable: true });
    const ac = new AbortController();
    const got: LoggedEvent[][] = [];
    const readers = Array.from({ length: 300 }, async (_, i) => {
      const run = runs[i % 3] as string;
      const mine: LoggedEvent[] = [];
      got.push(mine);
      for await (const e of log.read(run, {
        lastEventId: "-1",
        signal: ac.signal,
        idleCheckMs: 200,
        stillActive: () => liveness.isActive(run),
      }))
        mine.push(e);
    });
    try {
      await sleep(300); // every reader is past its first query and waiting
      const before = statements;
      const livenessBefore = livenessCalls;
      await sleep(1200); // six idle intervals
      const idle = statements - before;
      // One batched head query per interval (+ slack for timer skew); per reader it would be 1,800.
      expect(idle).toBeGreaterThan(0);
      expect(idle).toBeLessThanOrEqual(30); // timer skew on a loaded machine adds a few; per reader: 1,800
      expect(livenessCalls - livenessBefore).toBeLessThanOrEqual(8);

      // A notification still wakes them all, with shared queries.
      const woke = statements;
      const wokeAt = Date.now();
      for (const r of runs) await log.append(r, { event: "custom", data: { r } });
      await until(() => got.every((g) => g.length === 1));
      // Appends and shared fetches, plus the one batched head query per idle interval that passes
      // meanwhile (MariaDB's wake-ups are polled every 100 ms, so this phase can span intervals);
      // one fetch per reader would be 300. Up to three statements per interval spanned, as the idle
      // bound above allows for timer skew (a loaded full run saw 23 against one per interval's 20).
      // The phase starts and ends inside an interval: one more than its length is spanned (a
      // loaded CI run read 22 against 21 for one interval).
      const intervals = Math.ceil((Date.now() - wokeAt) / 200) + 1;
      expect(statements - woke).toBeLessThanOrEqual(3 + 3 * 3 + 6 + 3 * intervals);
      expect(got.every((g) => g[0]?.id === "0")).toBe(true);
      for (const r of runs) await log.complete(r);
      await Promise.all(readers);
    } finally {
      ac.abort();
      liveness.close();
      await log.close();
    }
  });
});

describe("RunLiveness", () => {
  it("pools the questions of every reader into one query per interval", async () => {
    const asked: string[][] = [];
    const liveness = new RunLiveness({
      intervalMs: 100,
      activeAmong: async (ids) => {
        asked.push(ids);
        return new Set(ids.filter((id) => id !== "gone"));
      },
    });
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => liveness.isActive(i % 2 ? "live" : "gone")),
    );
    expect(asked).toEqual([["gone", "live"]]);
    expect(answers.filter((a) => a).length).toBe(500);
    // Fresh answers are reused; after the interval one new query serves everyone again.
    expect(await liveness.isActive("live")).toBe(true);
    expect(asked.length).toBe(1);
    await sleep(120);
    await Promise.all([liveness.isActive("live"), liveness.isActive("other")]);
    expect(asked.length).toBe(2);
    liveness.close();
  });

  it("answers active when the query fails, so an outage never ends streams", async () => {
    const liveness = new RunLiveness({
      intervalMs: 50,
      activeAmong: async () => {
        throw new Error("database down");
      },
    });
    expect(await liveness.isActive("r")).toBe(true);
    liveness.ended("r");
    expect(await liveness.isActive("r")).toBe(false);
    liveness.close();
  });
});
