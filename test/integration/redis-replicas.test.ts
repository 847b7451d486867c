/**
 * Two server processes on one PostgreSQL and one Redis (scale-out): a run created on replica A is
 * streamed from replica B, resumed on B with Last-Event-ID after a dropped connection with the
 * identical events, cancelled through B while it executes on A (the Redis control message reaches
 * A), and metadata written on A is read back fresh on B although B caches it. Not registered
 * (with a warning) when PostgreSQL or Redis is unreachable.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { poll } from "../support/poll.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  REDIS_TEST_URL,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { readSse, type SseEvent } from "./sse-client.ts";

const up = (await postgresAvailable()) && (await redisPing(REDIS_TEST_URL));
if (!up) console.warn("[skip] PostgreSQL or Redis unreachable: redis replica tests not registered");

const metric = async (url: string, name: string, label: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return Number(line?.split(" ").at(-1) ?? 0);
};

describe.runIf(up)("replicas on Redis (postgres)", () => {
  let databaseUrl: string;
  let a: TestServer;
  let b: TestServer;
  let ca: Client;
  let cb: Client;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_redis");
    const env = { REDIS_URL: REDIS_TEST_URL, OLG_RUN_LEASE_SECONDS: "30" };
    a = await startServer({ backend: "postgres", databaseUrl, env });
    b = await startServer({ backend: "postgres", databaseUrl, env });
    ca = new Client({ apiUrl: a.url });
    cb = new Client({ apiUrl: b.url });
  }, 240_000); // two server processes; slow on a loaded machine

  afterAll(async () => {
    await a?.stop().catch(() => {});
    await b?.stop().catch(() => {});
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  /** A resumable run of the slow step graph created on A (and executed there). */
  async function slowRun(delayMs: number) {
    const thread = await ca.threads.create();
    const run = await ca.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: delayMs },
      streamMode: ["values", "updates", "debug"],
      streamResumable: true,
    });
    return { threadId: thread.thread_id, runId: run.run_id };
  }

  it("streams a run created on A from B, and resumes on B after a dropped connection with identical events", async () => {
    const { threadId, runId } = await slowRun(150);
    const path = `/threads/${threadId}/runs/${runId}/stream`;
    // First connection to B: drop it after a few events.
    const ac = new AbortController();
    const head: SseEvent[] = [];
    await readSse(`${b.url}${path}`, { lastEventId: "-1", signal: ac.signal }, (e) => {
      // Several events can arrive in one chunk: what follows the 4th is dropped with the connection.
      if (head.length < 4) head.push(e);
      if (head.length === 4) ac.abort();
    });
    expect(head).toHaveLength(4);
    expect(head[0]).toMatchObject({ id: "0", event: "metadata" });
    // Reconnect to B with Last-Event-ID: the rest of the run, live.
    const tail: SseEvent[] = [];
    await readSse(`${b.url}${path}`, { lastEventId: head.at(-1)?.id }, (e) => tail.push(e));
    expect(tail.length).toBeGreaterThan(4);
    // The whole log replayed from A after the run ended: exactly head + tail, no gap, no repeat.
    const all: SseEvent[] = [];
    await readSse(`${a.url}${path}`, { lastEventId: "-1" }, (e) => all.push(e));
    expect([...head, ...tail]).toEqual(all);
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => String(i)));
    const run = await cb.runs.get(threadId, runId);
    expect(run.status).toBe("success");
    const state = await cb.threads.getState<{ visits: string[] }>(threadId);
    expect(state.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
  });

  it("cancel sent to B stops the run executing on A at once", async () => {
    const { threadId, runId } = await slowRun(3000);
    await poll(async () => {
      const r = await ca.runs.get(threadId, runId);
      return r.status === "running" ? true : undefined;
    }, 10_000);
    const started = Date.now();
    await cb.runs.cancel(threadId, runId, false, "interrupt");
    const status = await poll(async () => {
      const r = await cb.runs.get(threadId, runId);
      return r.status === "running" || r.status === "pending" ? undefined : r.status;
    }, 10_000);
    // Lease renewal (the fallback) would take up to lease/3 = 10 s; the step sleeps 3 s.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(status).toBe("interrupted");
    const received = a.logs.filter(
      (l) => l.includes("run control message received (redis)") && l.includes(runId),
    );
    expect(received.length).toBeGreaterThan(0);
  });

  it("a write on A is read back fresh on B, which serves repeated reads from its cache", async () => {
    const thread = await ca.threads.create({ metadata: { owner: "redis-replicas", v: 1 } });
    const hitsBefore = await metric(b.url, "olg_cache_hits_total", 'cache="threads"');
    expect((await cb.threads.get(thread.thread_id)).metadata).toMatchObject({ v: 1 });
    for (let i = 0; i < 5; i++) await cb.threads.get(thread.thread_id);
    const hitsAfter = await metric(b.url, "olg_cache_hits_total", 'cache="threads"');
    expect(hitsAfter - hitsBefore).toBeGreaterThanOrEqual(5);
    for (let v = 2; v <= 6; v++) {
      await ca.threads.update(thread.thread_id, { metadata: { v } });
      expect((await cb.threads.get(thread.thread_id)).metadata).toMatchObject({ v });
    }
    // searches are cached and invalidated the same way
    const search = () => cb.threads.search({ metadata: { owner: "redis-replicas" } });
    expect((await search())[0]?.metadata).toMatchObject({ v: 6 });
    await ca.threads.update(thread.thread_id, { metadata: { v: 7 } });
    expect((await search())[0]?.metadata).toMatchObject({ v: 7 });

    const assistant = await ca.assistants.create({ graphId: "runs_steps", name: "before" });
    expect((await cb.assistants.get(assistant.assistant_id)).name).toBe("before");
    await cb.assistants.get(assistant.assistant_id);
    await ca.assistants.update(assistant.assistant_id, { graphId: "runs_steps", name: "after" });
    expect((await cb.assistants.get(assistant.assistant_id)).name).toBe("after");
    await ca.assistants.delete(assistant.assistant_id);
    await expect(cb.assistants.get(assistant.assistant_id)).rejects.toThrow(/404|not found/i);

    // a run on A changes the thread's status: B sees busy, then idle with the new values
    const run = await ca.runs.create(thread.thread_id, "runs_steps", { input: { delay_ms: 300 } });
    expect((await cb.threads.get(thread.thread_id)).status).toBe("busy");
    await ca.runs.join(thread.thread_id, run.run_id);
    const after = await cb.threads.get<{ visits: string[] }>(thread.thread_id);
    expect(after.status).toBe("idle");
    expect(after.values?.visits).toEqual(["s1", "s2", "s3", "s4"]);
  });

  it("reports the Redis connection in /ready", async () => {
    const res = await fetch(`${b.url}/ready`);
    const body = (await res.json()) as {
      ok: boolean;
      checks: Record<string, string>;
      redis: { status: string };
    };
    expect(res.status).toBe(200);
    expect(body.checks.redis).toBe("ok");
    expect(body.redis.status).toBe("ready");
  });
});
