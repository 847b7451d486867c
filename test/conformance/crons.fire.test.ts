/**
 * Black-box: crons fire. Uses the 6-field seconds extension (`* * * * * *` = every second) so ticks
 * come quickly: thread crons run on their thread, stateless crons get a thread per tick (deleted by
 * default, kept with `on_run_completed: "keep"`), webhooks are called, `enabled: false` pauses,
 * `end_time` stops, and deleting a cron stops it.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Client, Run } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

/** Runs of a thread once they all ended. */
async function settledRuns(client: Client, threadId: string): Promise<Run[]> {
  return until(
    () => client.runs.list(threadId, { limit: 100 }),
    (runs) => runs.every((r) => r.status !== "pending" && r.status !== "running"),
  );
}

/** A local HTTP listener collecting webhook bodies. */
async function webhookSink() {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      bodies.push(JSON.parse(data));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// Backends side by side (each its own server; a file that mostly waits held a fork for the sum of
// the backends' waits), each backend's tests in order (`it.sequential` inside a concurrent suite).
describe.concurrent.each(sharedServers())("crons firing ($backend)", ({ client }) => {
  it.sequential(
    "a thread cron runs on its thread with the payload; disabling pauses it",
    async () => {
      const thread = await client.threads.create();
      const cron = await client.crons.createForThread(thread.thread_id, "runs_steps", {
        schedule: "* * * * * *",
        input: { delay_ms: 1, inputs: ["tick"] },
        metadata: { source: "cron-test" },
      });
      // On the embedded engines the cron starts the stopped executor thread first (on demand:
      // ~2.5 s on a quiet machine, 8-10 s while the shared servers warm their schemas at start).
      await until(
        () => client.runs.list(thread.thread_id),
        (runs) => runs.length >= 2,
        45_000,
      );
      await client.crons.update(cron.cron_id, { enabled: false });
      const runs = await settledRuns(client, thread.thread_id);
      for (const run of runs) {
        expect(run.status).toBe("success");
        expect(run.assistant_id).toBe(cron.assistant_id);
        expect(run.metadata).toMatchObject({ source: "cron-test", cron_id: cron.cron_id });
        expect(run.multitask_strategy).toBe("enqueue");
      }
      const ticks = runs.map((r) => String(r.metadata?.cron_tick));
      expect(new Set(ticks).size).toBe(runs.length);
      for (const tick of ticks) expect(tick).toMatch(/:\d\d\.000Z$/);
      const state = await client.threads.getState<{ inputs: string[] }>(thread.thread_id);
      expect(state.values.inputs).toEqual(runs.map(() => "tick"));

      await sleep(2500); // paused: no new ticks
      expect(await client.runs.list(thread.thread_id, { limit: 100 })).toHaveLength(runs.length);
    },
    60_000,
  );

  it.sequential(
    "a stateless cron with on_run_completed=keep makes one kept thread per tick",
    async () => {
      const cron = await client.crons.create("runs_steps", {
        schedule: "* * * * * *",
        input: { delay_ms: 1 },
        onRunCompleted: "keep",
      });
      const threads = await until(
        () => client.threads.search({ metadata: { cron_id: cron.cron_id }, limit: 100 }),
        (found) => found.length >= 2,
      );
      await client.crons.delete(cron.cron_id);
      for (const thread of threads.slice(0, 2)) {
        const runs = await settledRuns(client, thread.thread_id);
        expect(runs).toHaveLength(1);
        expect(runs[0]!.status).toBe("success");
        expect(runs[0]!.metadata?.cron_id).toBe(cron.cron_id);
      }
      await sleep(1500); // deleted: settle in-flight ticks, then nothing new
      const settled = (
        await client.threads.search({ metadata: { cron_id: cron.cron_id }, limit: 100 })
      ).length;
      await sleep(2000);
      expect(
        await client.threads.search({ metadata: { cron_id: cron.cron_id }, limit: 100 }),
      ).toHaveLength(settled);
    },
  );

  it.sequential(
    "a stateless cron (default delete) calls its webhook and deletes each run's thread",
    async () => {
      const sink = await webhookSink();
      try {
        const cron = await client.crons.create("runs_steps", {
          schedule: "* * * * * *",
          input: { delay_ms: 1 },
          webhook: sink.url,
        });
        await until(
          async () => sink.bodies.length,
          (n) => n >= 2,
        );
        await client.crons.delete(cron.cron_id);
        const body = sink.bodies[0]!;
        expect(body).toMatchObject({ status: "success", metadata: { cron_id: cron.cron_id } });
        const threadId = String(body.thread_id);
        await until(
          () =>
            client.threads.get(threadId).then(
              () => "exists",
              (err: Error) => err.message,
            ),
          (v) => v.includes("404"),
        );
      } finally {
        await sink.close();
      }
    },
  );

  it.sequential("end_time stops the cron; its next_run_date becomes null", async () => {
    const thread = await client.threads.create();
    const end = new Date(Date.now() + 1500);
    const cron = await client.crons.createForThread(thread.thread_id, "runs_steps", {
      schedule: "* * * * * *",
      input: { delay_ms: 1 },
      endTime: end.toISOString(),
    });
    await sleep(3500);
    const runs = await settledRuns(client, thread.thread_id);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    for (const run of runs)
      expect(Date.parse(String(run.metadata?.cron_tick))).toBeLessThanOrEqual(end.getTime());
    const [found] = await client.crons.search({ threadId: thread.thread_id });
    expect(found?.cron_id).toBe(cron.cron_id);
    expect(found?.next_run_date).toBeNull();
  });
});
