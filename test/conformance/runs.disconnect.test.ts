/** Black-box: what a client disconnect does to a run (`on_disconnect`, `cancel_on_disconnect`). */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const SLOW = { delay_ms: 1500, inputs: ["x"] };

describe.each(sharedServers())("runs on client disconnect ($backend)", ({ client, url }) => {
  /** Opens a request, reads its first chunk, then drops the connection. */
  async function openThenDrop(path: string, init: RequestInit): Promise<void> {
    const abort = new AbortController();
    const res = await fetch(`${url}${path}`, { ...init, signal: abort.signal });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    abort.abort();
  }

  async function settled(threadId: string, runId: string) {
    for (let i = 0; i < 100; i++) {
      const run = await client.runs.get(threadId, runId);
      if (run.status !== "pending" && run.status !== "running") return run;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("run did not settle");
  }

  const post = (body: unknown): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  it("on_disconnect=cancel: dropping the stream interrupts the run before it finishes", async () => {
    const thread = await client.threads.create();
    await openThenDrop(
      `/threads/${thread.thread_id}/runs/stream`,
      post({ assistant_id: "runs_steps", input: SLOW, on_disconnect: "cancel" }),
    );
    const [run] = await client.runs.list(thread.thread_id);
    const done = await settled(thread.thread_id, run!.run_id);
    expect(done.status).toBe("interrupted");
    const state = await client.threads.getState<{ visits?: string[] }>(thread.thread_id);
    expect((state.values.visits ?? []).length).toBeLessThan(4);
  });

  it("on_disconnect=continue (the default): the run finishes without its client", async () => {
    const thread = await client.threads.create();
    await openThenDrop(
      `/threads/${thread.thread_id}/runs/stream`,
      post({ assistant_id: "runs_steps", input: { delay_ms: 150, inputs: ["x"] } }),
    );
    const [run] = await client.runs.list(thread.thread_id);
    const done = await settled(thread.thread_id, run!.run_id);
    expect(done.status).toBe("success");
    const state = await client.threads.getState<{ visits: string[] }>(thread.thread_id);
    expect(state.values.visits).toHaveLength(4);
  });

  it("on_disconnect=cancel on /runs/wait: dropping the wait interrupts the run", async () => {
    const thread = await client.threads.create();
    await openThenDrop(
      `/threads/${thread.thread_id}/runs/wait`,
      post({ assistant_id: "runs_steps", input: SLOW, on_disconnect: "cancel" }),
    );
    const [run] = await client.runs.list(thread.thread_id);
    expect((await settled(thread.thread_id, run!.run_id)).status).toBe("interrupted");
  });

  it("join stream with cancel_on_disconnect: dropping the joiner interrupts the run", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", { input: SLOW });
    await openThenDrop(
      `/threads/${thread.thread_id}/runs/${run.run_id}/stream?cancel_on_disconnect=true`,
      {
        headers: { "Last-Event-ID": "-1" },
      },
    );
    expect((await settled(thread.thread_id, run.run_id)).status).toBe("interrupted");
  });

  it("join stream without cancel_on_disconnect: dropping the joiner leaves the run running", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 150, inputs: ["x"] },
    });
    await openThenDrop(`/threads/${thread.thread_id}/runs/${run.run_id}/stream`, {
      headers: { "Last-Event-ID": "-1" },
    });
    expect((await settled(thread.thread_id, run.run_id)).status).toBe("success");
  });
});
