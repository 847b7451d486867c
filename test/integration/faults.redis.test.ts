/**
 * Live readers through Redis restarts: a private redis-server (no persistence, so it comes back
 * empty) is killed with SIGKILL twice while a run with dozens of events streams to three live
 * readers on one server, and once more with the reader on a second replica: the creator's own
 * `POST …/runs/stream`, a join at the live tail, a join from the start. None may skip an event:
 * ids are consecutive to the end and the last values are complete. Real processes, no mocks.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { guardProcess } from "../support/cleanup.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { readSse, type SseEvent } from "./sse-client.ts";

const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;
const up = hasRedisServer && (await postgresAvailable());
if (!up)
  console.warn("[skip] redis-server or PostgreSQL missing: redis fault tests not registered");

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

/** Parses an SSE response body into events (the creator's POST stream). */
async function readBody(res: Response, onEvent: (e: SseEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let sep = buffer.indexOf("\n\n"); sep >= 0; sep = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, sep);
      buffer = buffer.slice(sep + 2);
      let id: string | undefined;
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent({ id, event, data: JSON.parse(data.join("\n")) });
    }
  }
}

const consecutive = (events: SseEvent[]) => {
  const ids = events.map((e) => Number(e.id));
  return ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1);
};

describe.runIf(up)("live readers across Redis restarts (postgres)", () => {
  let port: number;
  let redisUrl: string;
  let redis: ChildProcess | undefined;
  let databaseUrl: string;
  const servers: TestServer[] = [];

  async function startRedis() {
    redis = guardProcess(
      spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      ),
    );
    for (let i = 0; i < 100 && !(await redisPing(redisUrl, 500)); i++) await sleep(100);
  }

  async function killRedis() {
    const child = redis;
    redis = undefined;
    if (!child || child.exitCode != null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  beforeAll(async () => {
    port = await freePort();
    redisUrl = `redis://127.0.0.1:${port}`;
    await startRedis();
    databaseUrl = await createTestDatabase("olg_redis_faults");
  });

  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => {});
    await killRedis();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it("no live reader skips an event when Redis restarts empty mid-run", async () => {
    const a = await startServer({
      backend: "postgres",
      databaseUrl,
      env: { REDIS_URL: redisUrl },
      startTimeoutMs: 300_000,
    });
    servers.push(a);
    const b = await startServer({
      backend: "postgres",
      databaseUrl,
      env: { REDIS_URL: redisUrl },
      startTimeoutMs: 300_000,
    });
    servers.push(b);
    const post = (path: string, body: unknown) =>
      fetch(`${a.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const thread = (await (await post("/threads", {})).json()) as { thread_id: string };
    const tid = thread.thread_id;
    const creator: SseEvent[] = [];
    const res = await post(`/threads/${tid}/runs/stream`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 600 },
      stream_mode: ["values", "updates", "debug", "tasks", "checkpoints"],
      stream_resumable: true,
    });
    const runId = (res.headers.get("content-location") ?? "").split("/runs/")[1]?.split("/")[0];
    expect(runId).toBeTruthy();
    const creatorDone = readBody(res, (e) => creator.push(e));
    const tail: SseEvent[] = [];
    const fromStart: SseEvent[] = [];
    const other: SseEvent[] = [];
    const joinUrl = (s: TestServer) => `${s.url}/threads/${tid}/runs/${runId}/stream`;
    const readers = Promise.all([
      creatorDone,
      readSse(joinUrl(a), {}, (e) => tail.push(e)),
      readSse(joinUrl(a), { lastEventId: "-1" }, (e) => fromStart.push(e)),
      readSse(joinUrl(b), {}, (e) => other.push(e)),
    ]);
    for (let i = 0; i < 2; i++) {
      await sleep(900);
      await killRedis();
      await sleep(700);
      await startRedis();
    }
    await readers;
    const total = fromStart.length;
    expect(total).toBeGreaterThanOrEqual(30);
    for (const [name, events] of Object.entries({ creator, tail, fromStart, other })) {
      expect(consecutive(events), `${name}: ${events.map((e) => e.id).join(",")}`).toBe(true);
      expect(events.length, name).toBeGreaterThan(0);
      // Every reader ends with the run's last event.
      expect(events.at(-1)?.id, name).toBe(fromStart.at(-1)?.id);
      const values = events.filter((e) => e.event === "values").at(-1)?.data as {
        visits: string[];
      };
      expect(values.visits, name).toEqual(["s1", "s2", "s3", "s4"]);
    }
    expect(fromStart.map((e) => e.id)).toEqual(fromStart.map((_, i) => String(i)));
    expect(creator.map((e) => e.id)).toEqual(creator.map((_, i) => String(i)));
  }, 600_000);
});
