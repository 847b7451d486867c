/** Black-box: multitask strategies on a busy thread, and cancel (interrupt / rollback / bulk). */
import type { Client } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Steps = { visits: string[]; inputs: string[] };

/** Polls a run until it leaves pending/running; resolves its status (throws when it vanished). */
async function settle(client: Client, threadId: string, runId: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const run = await client.runs.get(threadId, runId);
    if (run.status !== "pending" && run.status !== "running") return run.status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("run did not settle");
}

/** Waits until the run is running. */
async function running(client: Client, threadId: string, runId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await client.runs.get(threadId, runId)).status === "running") return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("run never started");
}

const slow = (tag: string, delay = 400) => ({ input: { delay_ms: delay, inputs: [tag] } });

describe.each(sharedServers())("runs multitask and cancel ($backend)", ({ client, url }) => {
  it("reject (default): 422 with the official text while the thread is busy", async () => {
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "runs_steps", slow("a", 200));
    await expect(client.runs.create(thread.thread_id, "runs_steps", slow("b"))).rejects.toThrow(
      "HTTP 422: Thread is already running a task. Wait for it to finish or choose a different multitask strategy.",
    );
    expect(await settle(client, thread.thread_id, first.run_id)).toBe("success");
    expect(await client.runs.list(thread.thread_id)).toHaveLength(1);
  });

  it("interrupt: the running run ends interrupted, the new one succeeds on its state", async () => {
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "runs_steps", slow("a", 300));
    await running(client, thread.thread_id, first.run_id);
    await new Promise((r) => setTimeout(r, 450)); // s1 done, s2 in progress
    const second = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5, inputs: ["b"] },
      multitaskStrategy: "interrupt",
    });
    expect(await settle(client, thread.thread_id, first.run_id)).toBe("interrupted");
    expect(await settle(client, thread.thread_id, second.run_id)).toBe("success");
    const state = await client.threads.getState<Steps>(thread.thread_id);
    expect(state.values.inputs).toEqual(["a", "b"]);
    expect(state.values.visits.slice(0, 1)).toEqual(["s1"]);
    expect(state.values.visits.slice(-4)).toEqual(["s1", "s2", "s3", "s4"]);
  });

  it("rollback of a running run deletes it and its checkpoints", async () => {
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "runs_steps", slow("a", 300));
    await running(client, thread.thread_id, first.run_id);
    await new Promise((r) => setTimeout(r, 450));
    const second = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5, inputs: ["b"] },
      multitaskStrategy: "rollback",
    });
    expect(await settle(client, thread.thread_id, second.run_id)).toBe("success");
    await expect(client.runs.get(thread.thread_id, first.run_id)).rejects.toThrow("404");
    const state = await client.threads.getState<Steps>(thread.thread_id);
    expect(state.values.inputs).toEqual(["b"]);
    expect(state.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    const history = await client.threads.getHistory(thread.thread_id, { limit: 50 });
    expect(history.every((h) => (h.metadata as { run_id?: string })?.run_id !== first.run_id)).toBe(
      true,
    );
  });

  it("rollback of a pending run deletes it before it starts", async () => {
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "runs_steps", {
      ...slow("a"),
      afterSeconds: 30,
    });
    const second = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5, inputs: ["b"] },
      multitaskStrategy: "rollback",
    });
    expect(await settle(client, thread.thread_id, second.run_id)).toBe("success");
    await expect(client.runs.get(thread.thread_id, first.run_id)).rejects.toThrow("404");
  });

  it("enqueue: runs execute one at a time in creation order", async () => {
    const thread = await client.threads.create();
    const ids: string[] = [];
    for (const tag of ["a", "b", "c"]) {
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 30, inputs: [tag] },
        multitaskStrategy: "enqueue",
      });
      ids.push(run.run_id);
    }
    for (const id of ids) expect(await settle(client, thread.thread_id, id)).toBe("success");
    const state = await client.threads.getState<Steps>(thread.thread_id);
    expect(state.values.inputs).toEqual(["a", "b", "c"]);
    expect(state.values.visits).toHaveLength(12);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("cancel interrupt with wait: 204, run interrupted, checkpoints kept, thread not busy", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a", 300));
    await running(client, thread.thread_id, run.run_id);
    // Cancel once the first step's checkpoint is in (not after a fixed pause: on a loaded machine
    // a run's first step, in the executor thread or not, took 300-1000 ms after `running`).
    for (let i = 0; i < 200; i++) {
      const state = await client.threads.getState<Steps>(thread.thread_id);
      if (state.values.visits?.includes("s1")) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const res = await fetch(
      `${url}/threads/${thread.thread_id}/runs/${run.run_id}/cancel?wait=1&action=interrupt`,
      { method: "POST" },
    );
    expect(res.status).toBe(204);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
    const t = await client.threads.get<Steps>(thread.thread_id);
    expect(t.status).not.toBe("busy");
    expect(t.values.visits).toContain("s1");
  });

  it("cancel ?wait=0 answers 202 at once (no upstream coercion bug)", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a", 2000));
    const started = Date.now();
    const res = await fetch(
      `${url}/threads/${thread.thread_id}/runs/${run.run_id}/cancel?wait=0&action=interrupt`,
      { method: "POST" },
    );
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await settle(client, thread.thread_id, run.run_id)).toBe("interrupted");
  });

  it("cancel rollback via the SDK removes a running run and its state", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", slow("a", 300));
    await running(client, thread.thread_id, run.run_id);
    // Cancel once the first step's checkpoint is in (not after a fixed pause: on a loaded machine
    // a run's first step, in the executor thread or not, took 300-1000 ms after `running`).
    for (let i = 0; i < 200; i++) {
      const state = await client.threads.getState<Steps>(thread.thread_id);
      if (state.values.visits?.includes("s1")) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await client.runs.cancel(thread.thread_id, run.run_id, true, "rollback");
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("404");
    const state = await client.threads.getState<Steps>(thread.thread_id);
    expect(state.values.visits ?? []).toEqual([]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("cancelling a pending run is immediate; unknown run is 404", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      ...slow("a"),
      afterSeconds: 30,
    });
    expect((await client.runs.list(thread.thread_id, { status: "pending" })).length).toBe(1);
    await client.runs.cancel(thread.thread_id, run.run_id);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
    await expect(
      client.runs.cancel(thread.thread_id, "00000000-0000-4000-8000-000000000000"),
    ).rejects.toThrow("HTTP 404: Run not found");
  });

  it("bulk cancel by thread and status", async () => {
    const thread = await client.threads.create();
    const a = await client.runs.create(thread.thread_id, "runs_steps", {
      ...slow("a"),
      afterSeconds: 30,
    });
    const b = await client.runs.create(thread.thread_id, "runs_steps", {
      ...slow("b"),
      afterSeconds: 30,
      multitaskStrategy: "enqueue",
    });
    await client.runs.cancelMany({ threadId: thread.thread_id, status: "pending" });
    for (const r of [a, b])
      expect((await client.runs.get(thread.thread_id, r.run_id)).status).toBe("interrupted");
    const c = await client.runs.create(thread.thread_id, "runs_steps", {
      ...slow("c"),
      afterSeconds: 30,
    });
    await client.runs.cancelMany({ runIds: [c.run_id], action: "rollback" });
    await expect(client.runs.get(thread.thread_id, c.run_id)).rejects.toThrow("404");
    const bad = await fetch(`${url}/runs/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({}),
    });
    expect(bad.status).toBe(400);
  });
});
