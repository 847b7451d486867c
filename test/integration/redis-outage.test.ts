/**
 * Redis going away mid-run: a private redis-server (its own port, no persistence, so it comes back
 * empty — the harshest case) is killed while a streamed run executes on a server using it, then
 * started again. The run finishes, the creator's stream delivers every event of the run with
 * consecutive ids, reads keep working meanwhile (straight from PostgreSQL), the server logs the
 * outage and the recovery, and /ready fails during the outage and recovers after. The machine's
 * shared Redis is never touched. Not registered (with a warning) without redis-server or PostgreSQL.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { guardProcess } from "../support/cleanup.ts";
import { poll } from "../support/poll.ts";
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
  console.warn("[skip] redis-server or PostgreSQL missing: redis outage tests not registered");

/** A free TCP port on loopback. */
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(up)("Redis outage during a run (postgres)", () => {
  let port: number;
  let url: string;
  let redis: ChildProcess | undefined;
  let databaseUrl: string;
  let server: TestServer;
  let client: Client;

  async function startRedis() {
    redis = guardProcess(
      spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      ),
    );
    await poll(async () => ((await redisPing(url, 500)) ? true : undefined), 10_000);
  }

  async function stopRedis() {
    const child = redis;
    redis = undefined;
    if (!child || child.exitCode != null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    await startRedis();
    databaseUrl = await createTestDatabase("olg_redis_outage");
    server = await startServer({ backend: "postgres", databaseUrl, env: { REDIS_URL: url } });
    client = new Client({ apiUrl: server.url });
  });

  afterAll(async () => {
    await server?.stop().catch(() => {});
    await stopRedis();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it("the run finishes, the stream is complete, the server recovers", async () => {
    const thread = await client.threads.create({ metadata: { outage: true } });
    const tid = thread.thread_id;
    const events: SseEvent[] = [];
    const body = JSON.stringify({
      assistant_id: "runs_steps",
      input: { delay_ms: 800 },
      stream_mode: ["values", "updates"],
    });
    // The creator's stream (POST …/runs/stream) reads the log from the start.
    const streaming = (async () => {
      const res = await fetch(`${server.url}/threads/${tid}/runs/stream`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const location = res.headers.get("content-location") ?? "";
      await res.body?.cancel();
      return location;
    })();
    const location = await streaming;
    const runId = location.split("/runs/")[1]?.split("/")[0] ?? "";
    expect(runId).not.toBe("");
    // Follow the run with a join from the start (the creator's connection was dropped on purpose).
    const joined = readSse(
      `${server.url}/threads/${tid}/runs/${runId}/stream`,
      { lastEventId: "-1" },
      (e) => events.push(e),
    );
    await poll(async () => (events.length >= 3 ? true : undefined), 10_000);

    await stopRedis();
    await sleep(1500);
    // Meanwhile: reads go to PostgreSQL, readiness says Redis is failing.
    expect((await client.threads.get(tid)).metadata).toMatchObject({ outage: true });
    const down = await fetch(`${server.url}/ready`);
    const downBody = (await down.json()) as {
      checks: Record<string, string>;
      redis: { status: string };
    };
    expect(down.status).toBe(503);
    expect(downBody.checks.redis).toBe("failing");
    expect(downBody.redis.status).toBe("reconnecting");
    await sleep(1500);

    await startRedis();
    await joined;
    const run = await poll(async () => {
      const r = await client.runs.get(tid, runId);
      return r.status === "pending" || r.status === "running" ? undefined : r;
    }, 30_000);
    expect(run.status).toBe("success");
    const state = await client.threads.getState<{ visits: string[] }>(tid);
    expect(state.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    // Every event of the run arrived once, in order, up to the final values.
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i)));
    expect(events[0]?.event).toBe("metadata");
    const values = events.filter((e) => e.event === "values").at(-1)?.data as { visits: string[] };
    expect(values.visits).toEqual(["s1", "s2", "s3", "s4"]);

    await poll(
      async () => ((await fetch(`${server.url}/ready`)).status === 200 ? true : undefined),
      10_000,
    );
    const logs = server.logs.join("\n");
    expect(logs).toContain("redis connection lost");
    expect(logs).toContain("redis reconnected");

    // Recovered: a new streamed run works end to end through Redis again.
    const again: SseEvent[] = [];
    const res = await client.runs.wait(tid, "runs_steps", { input: { delay_ms: 10 } });
    expect((res as { visits: string[] }).visits).toHaveLength(8);
    const second = await client.runs.create(tid, "runs_steps", {
      input: { delay_ms: 50 },
      streamResumable: true,
    });
    await readSse(
      `${server.url}/threads/${tid}/runs/${second.run_id}/stream`,
      { lastEventId: "-1" },
      (e) => again.push(e),
    );
    expect(again[0]).toMatchObject({ id: "0", event: "metadata" });
    expect(again.at(-1)?.event).toBe("values");
  });
});
