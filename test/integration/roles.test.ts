/**
 * Process roles on one PostgreSQL database: an `api` process (`olg serve --role api`) serves HTTP
 * and enqueues, a `worker` process (`--role worker`) executes runs and crons and serves only the
 * probes and metrics. Runs created on the api wait until a worker exists, then execute on it;
 * streaming, resumable joins, join/wait and cancel all cross the two processes. Run twice: without
 * Redis (event log in PostgreSQL, cancel by NOTIFY) and with Redis (when reachable). Not registered
 * (with a warning) when PostgreSQL is unreachable. Also the stall design: a graph node computing
 * for seconds on the worker leaves the api's `/ok` p99 under 1 s while hostile payloads arrive.
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
import { hostileLoad, p99, probeOk } from "../support/stall.ts";
import { readSse, type SseEvent } from "./sse-client.ts";

const pgUp = await postgresAvailable();
const redisUp = pgUp && (await redisPing(REDIS_TEST_URL));
if (!pgUp) console.warn("[skip] PostgreSQL unreachable: process role tests not registered");
if (pgUp && !redisUp) console.warn("[skip] Redis unreachable: role tests run without Redis only");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sum of a metric's samples in a server's Prometheus text. */
async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
}

const variants = [
  { name: "without Redis: event log in PostgreSQL", env: {} as Record<string, string> },
  ...(redisUp ? [{ name: "with Redis", env: { REDIS_URL: REDIS_TEST_URL } }] : []),
];

for (const variant of variants) {
  describe.runIf(pgUp)(`api and worker processes (postgres, ${variant.name})`, () => {
    let databaseUrl: string;
    let api: TestServer;
    let worker: TestServer | undefined;
    let client: Client;
    // A long lease: renewals (lease / 3) cannot be what delivers a cancel within seconds.
    const env = { ...variant.env, OLG_RUN_LEASE_SECONDS: "60" };

    beforeAll(async () => {
      databaseUrl = await createTestDatabase("h17_roles");
      api = await startServer({ backend: "postgres", databaseUrl, env, args: ["--role", "api"] });
      client = new Client({ apiUrl: api.url });
    }, 180_000);

    afterAll(async () => {
      await worker?.stop().catch(() => {});
      await api?.stop().catch(() => {});
      if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
    });

    it("the api never executes: a run waits until a worker starts, then the worker runs it", async () => {
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 20 },
      });
      await sleep(2000);
      expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("pending");

      worker = await startServer({
        backend: "postgres",
        databaseUrl,
        env,
        args: ["--role", "worker"],
      });
      const done = await poll(async () => {
        const r = await client.runs.get(thread.thread_id, run.run_id);
        return r.status === "success" ? r : undefined;
      }, 60_000);
      expect(done.status).toBe("success");
      const state = await client.threads.getState<{ visits: string[] }>(thread.thread_id);
      expect(state.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
      expect(await metricSum(worker.url, "olg_runs_started_total")).toBeGreaterThanOrEqual(1);
      expect(await metricSum(api.url, "olg_runs_started_total")).toBe(0);
      expect(worker.logs.some((l) => l.includes('"role":"worker"'))).toBe(true);
    }, 300_000); // a cold worker start can take minutes on a loaded machine

    it("a worker serves only /ok, /ready and /metrics", async () => {
      const w = worker!.url;
      expect((await fetch(`${w}/ok`)).status).toBe(200);
      const ready = await fetch(`${w}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ok: true });
      const metrics = await fetch(`${w}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("olg_runs_active");
      for (const [method, path] of [
        ["GET", "/info"],
        ["POST", "/threads"],
        ["POST", "/assistants/search"],
        ["GET", "/openapi.json"],
        ["POST", "/runs/wait"],
      ] as const) {
        const res = await fetch(`${w}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: method === "POST" ? "{}" : undefined,
        });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      // The api answers everything, probes included.
      expect((await fetch(`${api.url}/ok`)).status).toBe(200);
      expect((await fetch(`${api.url}/ready`)).status).toBe(200);
      expect((await fetch(`${api.url}/info`)).status).toBe(200);
    });

    it("streams a run executed on the worker through the api, every event in order", async () => {
      const thread = await client.threads.create();
      const events: { event: string; data: any }[] = [];
      for await (const chunk of client.runs.stream(thread.thread_id, "runs_steps", {
        input: { delay_ms: 100 },
        streamMode: ["values", "updates"],
      }))
        events.push(chunk);
      expect(events[0]?.event).toBe("metadata");
      const updates = events.filter((e) => e.event === "updates").map((e) => Object.keys(e.data));
      expect(updates).toEqual([["s1"], ["s2"], ["s3"], ["s4"]]);
      expect(events.filter((e) => e.event === "values").at(-1)?.data.visits).toEqual([
        "s1",
        "s2",
        "s3",
        "s4",
      ]);
    }, 60_000);

    it("joins a resumable run's stream from the start and after a dropped connection (Last-Event-ID)", async () => {
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 250 },
        streamMode: ["values", "updates"],
        streamResumable: true,
      });
      const path = `${api.url}/threads/${thread.thread_id}/runs/${run.run_id}/stream`;
      const head: SseEvent[] = [];
      const ac = new AbortController();
      await readSse(path, { lastEventId: "-1", signal: ac.signal }, (e) => {
        if (head.length < 3) head.push(e);
        if (head.length === 3) ac.abort();
      });
      const rest: SseEvent[] = [];
      await readSse(path, { lastEventId: head.at(-1)?.id }, (e) => rest.push(e));
      const full: SseEvent[] = [];
      await readSse(path, { lastEventId: "-1" }, (e) => full.push(e));
      expect([...head, ...rest]).toEqual(full);
      expect(full.map((e) => Number(e.id))).toEqual([...full.keys()]);
      expect(full.filter((e) => e.event === "updates")).toHaveLength(4);
    }, 60_000);

    it("join and wait return the worker's result", async () => {
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 50 },
      });
      const joined = (await client.runs.join(thread.thread_id, run.run_id)) as any;
      expect(joined.visits).toEqual(["s1", "s2", "s3", "s4"]);
      const waited = (await client.runs.wait(null, "runs_steps", {
        input: { delay_ms: 10, inputs: ["stateless"] },
      })) as any;
      expect(waited.inputs).toEqual(["stateless"]);
      expect(waited.visits).toHaveLength(4);
    }, 60_000);

    it("a cancel sent to the api stops the run on the worker within seconds", async () => {
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 5000 },
      });
      await poll(async () => {
        const r = await client.runs.get(thread.thread_id, run.run_id);
        return r.status === "running" ? r : undefined;
      }, 30_000);
      const started = Date.now();
      await client.runs.cancel(thread.thread_id, run.run_id, true, "interrupt");
      const elapsed = Date.now() - started;
      const after = await client.runs.get(thread.thread_id, run.run_id);
      expect(after.status).toBe("interrupted");
      // The lease (60 s) is renewed every 20 s: only the control channel is this fast.
      expect(elapsed).toBeLessThan(8000);
      const state = await client.threads.getState<{ visits?: string[] }>(thread.thread_id);
      expect(state.values.visits ?? []).not.toContain("s2");
    }, 60_000);

    // Once (without Redis): CPU-bound graph work runs on the worker's thread, never the api's.
    // Registered for that variant only (not a skip on the others).
    if (variant === variants[0])
      it("a CPU-bound graph node on the worker does not stall the api: its /ok p99 stays under 1 s", async () => {
        worker ??= await startServer({
          backend: "postgres",
          databaseUrl,
          env,
          args: ["--role", "worker"],
        });
        const apiProbe = probeOk(api.url);
        const workerProbe = probeOk(worker!.url);
        await Promise.all([apiProbe.ready, workerProbe.ready]);
        const statuses = await hostileLoad(api.url, {
          graphId: "runs_steps",
          runs: 2,
          runInput: { delay_ms: 1, busy_ms: 1200 },
        });
        const [apiLatencies, workerLatencies] = [await apiProbe.stop(), await workerProbe.stop()];
        expect(
          statuses.filter((s) => s >= 500 || s === 0),
          statuses.join(","),
        ).toEqual([]);
        // The nodes really held a thread: the worker's own /ok waited for them.
        expect(Math.max(...workerLatencies)).toBeGreaterThan(1000);
        const worst = p99(apiLatencies);
        expect(worst, `api p99 ${worst.toFixed(0)} ms over ${apiLatencies.length}`).toBeLessThan(
          1000,
        );
      }, 180_000);

    it("delayed runs created on the api start on the worker when due", async () => {
      const thread = await client.threads.create();
      const created = Date.now();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 10 },
        afterSeconds: 2,
      });
      const done = await poll(async () => {
        const r = await client.runs.get(thread.thread_id, run.run_id);
        return r.status === "success" ? Date.now() : undefined;
      }, 30_000);
      expect(done - created).toBeGreaterThanOrEqual(1900);
    }, 60_000);

    it("crons created on the api fire on the worker only", async () => {
      const cron = await client.crons.create("runs_steps", {
        schedule: "* * * * * *",
        input: { delay_ms: 1 },
        onRunCompleted: "keep",
      });
      const fired = (s: TestServer) => s.logs.filter((l) => l.includes('"cron fired"')).length;
      // Two ticks at least (a loaded machine may take a while), then pause it.
      await poll(async () => (fired(worker!) >= 2 ? true : undefined), 45_000);
      await client.crons.update(cron.cron_id, { enabled: false });
      expect(fired(api)).toBe(0);
    }, 60_000);
  });
}
