/**
 * Events per second through each run event log, in this process, against the official server's
 * own in-process event queue (`StreamManager` of `@langchain/langgraph-api`, loaded from its dist
 * folder) measured in the same run. One writer appends `EVENTS` messages-tuple-sized events the
 * way the executor does (awaiting each append), while 1 and then 100 readers read the run from the
 * start; the figure is events delivered to one reader per second, from the first append to the
 * last event read by every reader. Logs: in memory, SQL on PGlite (in memory) and on a fresh
 * PostgreSQL database, Redis Streams (127.0.0.1:6379). `npm run bench -- stream-log`
 * (`STREAM_LOG_EVENTS=N`, default 20 000; `STREAM_LOG_LOGS=redis,memory` measures only those of
 * ours next to the official queue).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { RedisConnection } from "../src/redis/connection.ts";
import { openStorage } from "../src/storage/open.ts";
import type { RunEventLog } from "../src/stream/log.ts";
import { MemoryRunEventLog } from "../src/stream/memory-log.ts";
import { RedisRunEventLog } from "../src/stream/redis-log.ts";
import { SqlRunEventLog } from "../src/stream/sql-log.ts";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../test/support/server.ts";
import type { Benchmark } from "./index.ts";
import { officialPackage } from "./lib/official.ts";
import { ROOT } from "./lib/targets.ts";

const EVENTS = Number(process.env.STREAM_LOG_EVENTS ?? 20_000);
const READERS = [1, 100];
/** `STREAM_LOG_LOGS=redis,memory` limits ours to those logs (memory, pglite, postgres, redis). */
const LOGS = process.env.STREAM_LOG_LOGS?.split(",");
const wanted = (name: string) => !LOGS || LOGS.includes(name);
// Every log keeps the whole run (the official queue does): a reader that falls behind the
// default cap of 10,000 would skip to the oldest kept event and the count check would fail.
const chunk = (i: number) => [
  { content: `tok${i} `, type: "AIMessageChunk", id: "run-1", tool_call_chunks: [] },
  { langgraph_node: "model", langgraph_step: 3, run_id: "run-1" },
];

/** Something that takes appends and serves readers from the start. */
interface Subject {
  name: string;
  append(runId: string, i: number): Promise<unknown> | undefined;
  readAll(runId: string): Promise<number>;
  end(runId: string): Promise<void>;
  close(): Promise<void>;
}

function ofLog(name: string, log: RunEventLog, close: () => Promise<void>): Subject {
  return {
    name,
    append: (runId, i) => log.append(runId, { event: "messages", data: chunk(i) }),
    async readAll(runId) {
      let n = 0;
      for await (const _ of log.read(runId, { lastEventId: "-1" })) n++;
      return n;
    },
    end: (runId) => log.complete(runId),
    close: async () => {
      await log.close();
      await close();
    },
  };
}

/** The official server's queue (storage/ops.mjs), used as its runtime uses it. */
async function official(): Promise<Subject> {
  const file = path.join(officialPackage(ROOT).dir, "dist/storage/ops.mjs");
  const { StreamManager } = (await import(pathToFileURL(file).href)) as {
    StreamManager: {
      getQueue(
        runId: string,
        o: { ifNotFound: "create"; resumable: boolean },
      ): {
        push(m: { topic: string; data: unknown }): void;
        get(o: { timeout: number; lastEventId?: string }): Promise<[string, { topic: string }]>;
      };
    };
  };
  const queue = (runId: string) =>
    StreamManager.getQueue(runId, { ifNotFound: "create", resumable: true });
  return {
    name: "official in-process queue",
    append(runId, i) {
      queue(runId).push({ topic: `run:${runId}:stream:messages`, data: chunk(i) });
      return Promise.resolve(); // the official worker awaits its graph, not the push
    },
    async readAll(runId) {
      const q = queue(runId);
      let n = 0;
      let last: string | undefined = "-1";
      for (;;) {
        const [id, message] = await q.get({ timeout: 500, lastEventId: last });
        last = id;
        if (message.topic === `run:${runId}:control`) return n;
        n++;
      }
    },
    async end(runId) {
      queue(runId).push({ topic: `run:${runId}:control`, data: "done" } as never);
    },
    close: async () => {},
  };
}

async function measure(subject: Subject, readers: number): Promise<number> {
  const runId = `bench-${Date.now()}-${readers}-${Math.random().toString(36).slice(2)}`;
  const t0 = performance.now();
  const reading = Promise.all(Array.from({ length: readers }, () => subject.readAll(runId)));
  for (let i = 0; i < EVENTS; i++) await subject.append(runId, i);
  await subject.end(runId);
  const counts = await reading;
  const seconds = (performance.now() - t0) / 1000;
  if (counts.some((c) => c !== EVENTS)) throw new Error(`readers got ${counts.join(",")}`);
  return EVENTS / seconds;
}

async function subjects(): Promise<Subject[]> {
  const out: Subject[] = [await official()];
  if (wanted("memory"))
    out.push(
      ofLog("ours, in memory", new MemoryRunEventLog({ maxEventsPerRun: EVENTS }), async () => {}),
    );
  if (wanted("pglite")) {
    const lite = await openStorage({ databaseUrl: null, dataDir: null });
    out.push(
      ofLog(
        "ours, SQL on PGlite",
        new SqlRunEventLog({ db: lite.db, listen: lite.listen, maxEventsPerRun: EVENTS }),
        () => lite.close(),
      ),
    );
  }
  if (wanted("postgres") && (await postgresAvailable())) {
    const url = await createTestDatabase("olg_bench_log");
    const pg = await openStorage({ databaseUrl: url, dataDir: null });
    out.push(
      ofLog(
        "ours, SQL on PostgreSQL",
        new SqlRunEventLog({ db: pg.db, listen: pg.listen, maxEventsPerRun: EVENTS }),
        async () => {
          await pg.close();
          await dropTestDatabase(url);
        },
      ),
    );
  }
  if (!wanted("redis")) return out;
  const redis = new RedisConnection({
    url: "redis://127.0.0.1:6379",
    logger: pino({ level: "silent" }),
    prefix: `olgbench:${Date.now()}:`,
  });
  if (await redis.waitReady(2000))
    out.push(
      ofLog(
        "ours, Redis Streams",
        new RedisRunEventLog(redis, { maxEventsPerRun: EVENTS }),
        async () => {
          const keys = await redis.client.keys(`${redis.prefix}*`);
          for (let i = 0; i < keys.length; i += 500)
            await redis.client.del(...keys.slice(i, i + 500));
          await redis.close();
        },
      ),
    );
  else await redis.close();
  return out;
}

/** The stream-log benchmark. */
export const streamLogBench: Benchmark = {
  name: "stream-log",
  description: `events/s through each run event log (${EVENTS} events, 1 and 100 readers) vs the official in-process queue`,
  async run() {
    const all = await subjects();
    const rows: { name: string; rates: number[] }[] = [];
    for (const subject of all) {
      const rates: number[] = [];
      try {
        for (const readers of READERS) rates.push(await measure(subject, readers));
      } finally {
        await subject.close();
      }
      rows.push({ name: subject.name, rates });
      console.log(`  ${subject.name}: ${rates.map((r) => r.toFixed(0)).join(" / ")} events/s`);
    }
    const base = rows[0]?.rates ?? [];
    console.log(
      `\n| log | ${READERS.map((r) => `${r} reader${r > 1 ? "s" : ""}: events/s (× official)`).join(" | ")} |`,
    );
    console.log(`|---|${READERS.map(() => "---:").join("|")}|`);
    for (const row of rows)
      console.log(
        `| ${row.name} | ${row.rates
          .map(
            (r, i) => `${Math.round(r).toLocaleString("en")} (${(r / (base[i] ?? r)).toFixed(2)}×)`,
          )
          .join(" | ")} |`,
      );
  },
};
