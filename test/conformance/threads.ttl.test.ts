/**
 * Black-box: thread TTLs (Python platform contract). A dedicated server per backend sweeps every
 * 300 ms (`checkpointer.ttl.sweep_interval_minutes`) and gives threads a default TTL.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BackendName,
  postgresAvailable,
  ROOT,
  startServer,
  type TestServer,
} from "../support/server.ts";

const SHORT_TTL = 0.01; // minutes = 600 ms
const DEFAULT_TTL = 60;

function writeConfig(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "olg-ttl-"));
  const file = path.join(dir, "open_langgraph.json");
  const config = {
    graphs: {
      agent: `${path.join(ROOT, "test/fixtures/graphs/agent.ts")}:graph`,
      runs_steps: `${path.join(ROOT, "test/fixtures/graphs/runs_steps.ts")}:graph`,
    },
    checkpointer: { ttl: { default_ttl: DEFAULT_TTL, sweep_interval_minutes: 0.005 } },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not met in time");
}

const backends: BackendName[] = ["pglite"];
if (await postgresAvailable()) backends.push("postgres");

describe.each(backends)("thread TTL (%s)", (backend) => {
  let server: TestServer;
  let client: Client;
  let url: string;
  const exists = async (threadId: string) =>
    (await fetch(`${url}/threads/${threadId}`)).status === 200;

  beforeAll(async () => {
    server = await startServer({ backend, config: writeConfig() });
    url = server.url;
    client = new Client({ apiUrl: url });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("reports the TTL only with ?include=ttl, defaulting to checkpointer.ttl.default_ttl", async () => {
    const thread = await client.threads.create();
    expect(thread).not.toHaveProperty("ttl");
    const plain = await client.threads.get(thread.thread_id);
    expect(plain).not.toHaveProperty("ttl");
    const withTtl = (await client.threads.get(thread.thread_id, { include: ["ttl"] })) as any;
    expect(withTtl.ttl).toMatchObject({ strategy: "delete", ttl_minutes: DEFAULT_TTL });
    const expiresIn = new Date(withTtl.ttl.expires_at).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan((DEFAULT_TTL - 1) * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(DEFAULT_TTL * 60_000);

    const res = await fetch(`${url}/threads/${thread.thread_id}?include=ttl`);
    expect((await res.json()).ttl.ttl_minutes).toBe(DEFAULT_TTL);
  });

  it("deletes an expired thread and its checkpoints (strategy delete)", async () => {
    const threadId = randomUUID();
    await client.threads.create({ threadId, graphId: "agent", ttl: SHORT_TTL });
    await client.threads.updateState(threadId, {
      values: { messages: [{ type: "human", content: "bye" }] },
      asNode: "agent",
    });
    const keeper = await client.threads.create({ ttl: { ttl: 30, strategy: "delete" } });
    await eventually(async () => !(await exists(threadId)));
    expect(await exists(keeper.thread_id)).toBe(true);
    await client.threads.create({ threadId, graphId: "agent" });
    expect(await client.threads.getHistory(threadId)).toEqual([]);
  });

  it("an expiring thread's running run is stopped at once; nothing of it comes back", async () => {
    const thread = await client.threads.create({ ttl: { ttl: SHORT_TTL, strategy: "delete" } });
    // Steps of 20 s: a run that noticed the expiry only at a lease renewal would go on for long.
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 20_000, inputs: ["expired"] },
    });
    const joined = (async () => {
      for await (const _ of client.runs.joinStream(thread.thread_id, run.run_id, {
        lastEventId: "-1",
      })) {
        // drained
      }
      return Date.now();
    })().catch(() => Date.now());
    await eventually(async () => !(await exists(thread.thread_id)));
    const goneAt = Date.now();
    expect((await joined) - goneAt).toBeLessThan(8000);
    await new Promise((r) => setTimeout(r, 1000));
    await client.threads.create({ threadId: thread.thread_id });
    expect(await client.threads.getHistory(thread.thread_id)).toEqual([]);
    expect(await client.runs.list(thread.thread_id)).toEqual([]);
  });

  it("keep_latest expiry stops the thread's running run before trimming", async () => {
    const thread = await client.threads.create({
      ttl: { ttl: SHORT_TTL, strategy: "keep_latest" } as any,
    });
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 600, inputs: ["trimmed"] },
    });
    await eventually(
      async () => (await client.runs.get(thread.thread_id, run.run_id)).status === "interrupted",
    );
    await new Promise((r) => setTimeout(r, 4 * 600));
    expect((await client.threads.getHistory(thread.thread_id)).length).toBeLessThanOrEqual(1);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("applies a TTL set by PATCH", async () => {
    const thread = await client.threads.create();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await exists(thread.thread_id)).toBe(true);
    await client.threads.update(thread.thread_id, { ttl: SHORT_TTL } as any);
    await eventually(async () => !(await exists(thread.thread_id)));
  });

  it("keeps the thread and only its latest checkpoint (strategy keep_latest)", async () => {
    const thread = await client.threads.create({
      graphId: "agent",
      ttl: { ttl: 0.03, strategy: "keep_latest" } as any,
    });
    for (const content of ["a", "b", "c"]) {
      await client.threads.updateState(thread.thread_id, {
        values: { messages: [{ type: "human", content }] },
        asNode: "agent",
      });
    }
    await eventually(async () => (await client.threads.getHistory(thread.thread_id)).length === 1);
    const state = await client.threads.getState<any>(thread.thread_id);
    expect(state.values.messages.map((m: any) => m.content)).toEqual(["a", "b", "c"]);
    const after = (await client.threads.get(thread.thread_id, { include: ["ttl"] })) as any;
    expect(after.ttl).toMatchObject({ strategy: "keep_latest", expires_at: null });
  });
});
