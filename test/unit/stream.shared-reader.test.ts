/**
 * The Redis run event log's shared reader (src/stream/redis-tail.ts): hundreds of live readers of
 * one process wait on ONE blocking connection, whatever their number (the `CLIENT LIST` count of a
 * private redis-server stays bounded while streams open), and every reader still gets every event
 * in order: readers that started at different positions (`-1`, mid-run, live tail) and a reader
 * resuming with Last-Event-ID on another instance. Batched appends keep ids consecutive. Real
 * redis-server on a free port (no persistence), stopped after the file.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { RedisConnection } from "../../src/redis/connection.ts";
import type { LoggedEvent } from "../../src/stream/log.ts";
import { RedisRunEventLog } from "../../src/stream/redis-log.ts";
import { guardProcess } from "../support/cleanup.ts";

const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;
if (!hasRedisServer)
  console.warn("[skip] redis-server missing: shared reader tests not registered");

const quiet = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe.runIf(hasRedisServer)("Redis log: one shared reader per process", () => {
  let server: ChildProcess | undefined;
  let url: string;
  const open: { conn: RedisConnection; log: RedisRunEventLog }[] = [];

  const make = async () => {
    const conn = new RedisConnection({ url, logger: quiet });
    await conn.waitReady(3000);
    const log = new RedisRunEventLog(conn);
    open.push({ conn, log });
    return { conn, log };
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    server = guardProcess(
      spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      ),
    );
    for (let i = 0; i < 100 && !(await redisPing(url, 500)); i++) await sleep(50);
  });

  afterAll(async () => {
    for (const { log, conn } of open) {
      await log.close();
      await conn.close();
    }
    const child = server;
    if (child && child.exitCode == null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("500 live readers over 5 runs hold a bounded number of Redis clients and get every event in order", async () => {
    const { conn, log } = await make();
    const clients = async () =>
      String(await conn.client.call("CLIENT", "LIST"))
        .split("\n")
        .filter((l) => l.trim()).length;
    const before = await clients();
    const runs = ["a", "b", "c", "d", "e"];
    for (const r of runs) await log.open(r, { resumable: true });
    for (const r of runs) await log.append(r, { event: "metadata", data: { r } });
    const ac = new AbortController();
    const readers = Array.from({ length: 500 }, async (_, i) => {
      const r = runs[i % runs.length] as string;
      const ids: string[] = [];
      for await (const e of log.read(r, { lastEventId: "0", signal: ac.signal })) {
        ids.push(e.id);
      }
      return ids;
    });
    let peak = 0;
    const sample = setInterval(() => {
      void clients().then((n) => {
        peak = Math.max(peak, n);
      });
    }, 50);
    try {
      // Events appended while the readers wait are delivered to all of them.
      for (let k = 1; k <= 20; k++) {
        for (const r of runs) await log.append(r, { event: "custom", data: { k } });
        if (k % 5 === 0) await sleep(30);
      }
      for (const r of runs) await log.complete(r);
      const all = await Promise.all(readers);
      for (const ids of all)
        expect(ids).toEqual(Array.from({ length: 20 }, (_, k) => String(k + 1)));
      peak = Math.max(peak, await clients());
    } finally {
      clearInterval(sample);
      ac.abort();
    }
    // The command connection and the one shared blocking connection (the test's own client
    // is the command connection); 500 per-stream connections before the shared reader.
    expect(peak - before).toBeLessThanOrEqual(2);
  });

  it("readers at different positions, and a reader resuming elsewhere, see consecutive ids", async () => {
    const { log: writer } = await make();
    const { log: other } = await make();
    const run = "ordered";
    await writer.open(run, { resumable: true });
    for (let k = 0; k < 10; k++) await writer.append(run, { event: "custom", data: { k } });
    const collect = async (it: AsyncIterable<LoggedEvent>) => {
      const out: string[] = [];
      for await (const e of it) out.push(e.id);
      return out;
    };
    const fromStart = collect(writer.read(run, { lastEventId: "-1" }));
    const mid = collect(writer.read(run, { lastEventId: "4" }));
    const tail = collect(other.read(run, {}));
    await sleep(100); // the tail joins before the next events
    // A burst: batched appends (several events per Lua call) keep ids consecutive.
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, k) => writer.append(run, { event: "custom", data: { k } })),
    );
    expect(ids.map(Number)).toEqual(Array.from({ length: 200 }, (_, k) => k + 10));
    const resumed = collect(other.read(run, { lastEventId: "150" }));
    await writer.complete(run);
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => String(a + k));
    expect(await fromStart).toEqual(range(0, 210));
    expect(await mid).toEqual(range(5, 210));
    expect(await resumed).toEqual(range(151, 210));
    const t = await tail;
    expect(t.length).toBeGreaterThan(0);
    expect(t).toEqual(range(Number(t[0]), 210));
    expect(Number(t[0])).toBeLessThanOrEqual(10);
  });

  it("flush: once it resolves, every appended event is in Redis for any other instance", async () => {
    const { log } = await make();
    const { conn: other } = await make();
    await log.open("flushed", { resumable: true });
    await log.append("flushed", { event: "custom", data: { k: -1 } });
    const streamLength = async () => {
      let n = 0;
      for (const k of await other.client.keys("*flushed*"))
        if ((await other.client.type(k)) === "stream") n = Math.max(n, await other.client.xlen(k));
      return n;
    };
    expect(await streamLength()).toBe(1);
    // Writes held for a moment: appends still answer at once (batched), flush waits for them.
    await other.client.call("CLIENT", "PAUSE", "400", "WRITE");
    const ids = await Promise.all(
      Array.from({ length: 300 }, (_, k) =>
        log.append("flushed", { event: "custom", data: { k } }),
      ),
    );
    expect(ids.at(-1)).toBe("300");
    expect(await streamLength()).toBe(1);
    await log.flush("flushed");
    expect(await streamLength()).toBe(301);
  });
});
