/**
 * The embedded default's executor thread on demand (`src/server/executor-supervisor.ts`): the
 * server starts without it (reads and probes do not start it), the first run does (stateless
 * `runs/wait`, and a run on a thread), it stops once idle for `OLG_EXECUTOR_IDLE_SECONDS` (here 2)
 * and its threads go with it, creating a cron starts it and an enabled cron keeps it, its counters
 * survive in `/metrics`, a delayed run (`after_seconds`) starts it, and a server that restarts on
 * a data folder with a queued run starts it at once (the run executes with no request but probes).
 * Evidence of what is resident: the process's thread count (`/proc/<pid>/status`, Linux).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll.ts";
import { startServer, type TestServer } from "../support/server.ts";

const INPUT = { input: { messages: [{ role: "user", content: "hi" }] } };
const ENV = { OLG_EXECUTOR_IDLE_SECONDS: "2" };
const dataDir = mkdtempSync(path.join(os.tmpdir(), "olg-on-demand-"));
const servers: TestServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<TestServer> {
  const s = await startServer({ backend: "pglite", dataDir, executorThread: true, env: ENV });
  servers.push(s);
  return s;
}

const count = (s: TestServer, msg: string) =>
  s.logs.filter((l) => l.includes(`"msg":"${msg}`)).length;
const started = (s: TestServer) => count(s, "run executor thread started");
const stopped = (s: TestServer) => count(s, "run executor thread stopped (idle");

function threads(s: TestServer): number {
  const status = readFileSync(`/proc/${s.child.pid}/status`, "utf8");
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
}

async function metric(s: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

/** A window in which something must NOT happen (a negative check; no poll can end it early). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.sequential("executor thread on demand (embedded default)", () => {
  let server: TestServer;
  let client: Client;
  let atRest = 0;

  it("starts without the executor thread; reads, writes without runs and probes do not start it", async () => {
    server = await start();
    client = new Client({ apiUrl: server.url });
    for (const p of ["/ok", "/ready", "/metrics", "/info"]) await fetch(`${server.url}${p}`);
    await client.assistants.search({ limit: 5 });
    const thread = await client.threads.create({ metadata: { a: 1 } });
    await client.threads.getState(thread.thread_id);
    await client.store.putItem(["ns"], "k", { v: 1 });
    await sleep(1500);
    expect(started(server)).toBe(0);
    atRest = threads(server);
  });

  it("the first run starts it; runs execute; it stops when idle, its threads with it", async () => {
    const out = await client.runs.wait(null, "agent", INPUT);
    expect(out).toBeTruthy();
    expect(started(server)).toBe(1);
    const busy = threads(server);
    expect(busy).toBeGreaterThan(atRest);
    await poll(async () => stopped(server) === 1 || undefined, 30_000);
    await poll(async () => threads(server) < busy || undefined, 10_000);
    const again = await client.runs.wait(null, "agent", INPUT);
    expect(again).toBeTruthy();
    expect(started(server)).toBe(2);
    await poll(async () => stopped(server) === 2 || undefined, 30_000);
    // A run on a thread (a stream) wakes it the same way.
    const thread = await client.threads.create();
    const chunks = [];
    for await (const c of client.runs.stream(thread.thread_id, "agent", INPUT)) chunks.push(c);
    expect(chunks.some((c) => c.event === "end" || c.event === "values")).toBe(true);
    expect(started(server)).toBe(3);
    // The stopped thread's counters stay: both runs are counted.
    expect(await metric(server, "olg_runs_started_total")).toBe(3);
  });

  it("an enabled cron keeps it running; deleting the cron lets it stop", async () => {
    await poll(async () => stopped(server) === 3 || undefined, 30_000);
    const assistant = await client.assistants.create({ graphId: "agent" });
    const cron = await client.crons.create(assistant.assistant_id, {
      schedule: "0 0 1 1 *",
      ...INPUT,
    });
    await poll(async () => started(server) === 4 || undefined, 30_000);
    await sleep(5000); // more than twice the idle time, no request
    expect(stopped(server)).toBe(3);
    await client.crons.delete(cron.cron_id);
    await poll(async () => stopped(server) === 4 || undefined, 30_000);
  });

  it("a delayed run (after_seconds) starts it and executes when due", async () => {
    expect(stopped(server)).toBe(4);
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", { ...INPUT, afterSeconds: 1 });
    // Only reads from here on: they start nothing.
    const done = await poll(async () => {
      const r = await client.runs.get(thread.thread_id, run.run_id);
      return r.status === "success" ? r : undefined;
    }, 30_000);
    expect(done.status).toBe("success");
    expect(started(server)).toBe(5);
  });

  it("a server restarted with a queued run starts it at once and executes the run", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", {
      ...INPUT,
      afterSeconds: 3,
    });
    await server.stop("SIGKILL");
    const next = await start();
    await poll(async () => started(next) === 1 || undefined, 60_000);
    // Only probes until the run had time to execute.
    await sleep(4000);
    const c = new Client({ apiUrl: next.url });
    const done = await poll(async () => {
      const r = await c.runs.get(thread.thread_id, run.run_id);
      return r.status === "success" ? r : undefined;
    }, 30_000);
    expect(done.status).toBe("success");
  });
});
