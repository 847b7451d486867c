/**
 * Black-box: run options (interrupts + resume, interrupt_before, checkpoint branching,
 * if_not_exists, after_seconds, webhook, rejected options), stateless runs and batches.
 */

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Steps = { visits: string[]; inputs: string[] };
type Hitl = { answer?: unknown; finished?: boolean };

/** A local HTTP listener collecting webhook bodies. */
async function webhookSink() {
  const bodies: Record<string, unknown>[] = [];
  let failFirst = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(503).end();
        return;
      }
      bodies.push(JSON.parse(data));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    failNext: (n: number) => {
      failFirst = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each(sharedServers())("runs options ($backend)", ({ client, url }) => {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("interrupt() pauses the thread; command.resume continues it", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "runs_hitl", { input: { question: "ok?" } });
    let t = await client.threads.get(thread.thread_id);
    expect(t.status).toBe("interrupted");
    const interrupts = Object.values(t.interrupts).flat() as { value: unknown }[];
    expect(interrupts[0]?.value).toEqual({ question: "ok?" });
    const values = (await client.runs.wait(thread.thread_id, "runs_hitl", {
      command: { resume: "yes" },
    })) as Hitl;
    expect(values).toMatchObject({ answer: "yes", finished: true });
    t = await client.threads.get(thread.thread_id);
    expect(t.status).toBe("idle");
    expect(t.interrupts).toEqual({});
  });

  it("interrupt_before stops before the node; input null continues", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5 },
      interruptBefore: ["s3"],
    });
    const state = await client.threads.getState<Steps>(thread.thread_id);
    expect(state.values.visits).toEqual(["s1", "s2"]);
    expect(state.next).toEqual(["s3"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const done = (await client.runs.wait(thread.thread_id, "runs_steps", { input: null })) as Steps;
    expect(done.visits).toEqual(["s1", "s2", "s3", "s4"]);
  });

  it("interrupt_after and command.update / goto", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5 },
      interruptAfter: ["s1"],
    });
    expect((await client.threads.getState<Steps>(thread.thread_id)).values.visits).toEqual(["s1"]);
    const out = (await client.runs.wait(thread.thread_id, "runs_steps", {
      command: { update: { inputs: ["patched"] }, goto: "s4" },
    })) as Steps;
    expect(out.inputs).toEqual(["patched"]);
    expect(out.visits).toContain("s4");
  });

  it("checkpoint branching: a run from an earlier checkpoint forks the history", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1, inputs: ["a"] },
    });
    const history = await client.threads.getHistory<Steps>(thread.thread_id, { limit: 20 });
    const afterS1 = history.find((h) => h.values.visits?.length === 1 && h.next[0] === "s2");
    expect(afterS1).toBeDefined();
    const out = (await client.runs.wait(thread.thread_id, "runs_steps", {
      input: null,
      checkpoint: afterS1!.checkpoint,
    })) as Steps;
    expect(out.visits).toEqual(["s1", "s2", "s3", "s4"]);
    const res = await post(`/threads/${thread.thread_id}/runs/wait`, {
      assistant_id: "runs_steps",
      input: null,
      checkpoint_id: afterS1!.checkpoint.checkpoint_id,
    });
    expect((await res.json()).visits).toEqual(["s1", "s2", "s3", "s4"]);
  });

  it("if_not_exists: 404 by default (nothing created), create makes the thread", async () => {
    const id = randomUUID();
    await expect(client.runs.wait(id, "runs_steps", { input: { delay_ms: 1 } })).rejects.toThrow(
      `HTTP 404: Thread with ID ${id} not found`,
    );
    await expect(client.threads.get(id)).rejects.toThrow("404");
    const values = (await client.runs.wait(id, "runs_steps", {
      input: { delay_ms: 1 },
      ifNotExists: "create",
    })) as Steps;
    expect(values.visits).toHaveLength(4);
    const t = await client.threads.get(id);
    expect(t.metadata).toMatchObject({ graph_id: "runs_steps" });
    expect(typeof t.metadata?.assistant_id).toBe("string");
  });

  it("after_seconds delays the start", async () => {
    const thread = await client.threads.create();
    const started = Date.now();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      afterSeconds: 1.5,
    });
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("pending");
    await client.runs.join(thread.thread_id, run.run_id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  });

  it("bad input answers 4xx and creates neither run nor thread", async () => {
    const id = randomUUID();
    const cases = [
      { assistant_id: "runs_steps", if_not_exists: "create", stream_mode: "bogus" },
      { assistant_id: "runs_steps", if_not_exists: "create", multitask_strategy: "nope" },
      {
        assistant_id: "runs_steps",
        if_not_exists: "create",
        langsmith_tracer: { project_name: "p" },
      },
      { assistant_id: "runs_steps", if_not_exists: "create", webhook: "ftp://x" },
      { assistant_id: "no_such_graph", if_not_exists: "create" },
    ];
    const statuses = [];
    for (const body of cases) statuses.push((await post(`/threads/${id}/runs`, body)).status);
    expect(statuses).toEqual([400, 400, 422, 400, 404]);
    await expect(client.threads.get(id)).rejects.toThrow("404");
    const bad = await post(`/threads/${id}/runs`, "{not json");
    expect(bad.status).toBe(400);
  });

  it("stateless runs: temporary thread deleted by default, kept with on_completion keep", async () => {
    const probe = randomUUID();
    const values = (await client.runs.wait(null, "runs_steps", {
      input: { delay_ms: 1 },
      metadata: { probe },
    })) as Steps;
    expect(values.visits).toHaveLength(4);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = (await client.threads.search({ metadata: { probe } })).length === 0;
      if (!gone) await new Promise((r) => setTimeout(r, 50));
    }
    expect(gone).toBe(true);

    const res = await post("/runs/wait", {
      assistant_id: "runs_steps",
      input: { delay_ms: 1 },
      on_completion: "keep",
      metadata: { probe: `${probe}-kept` },
    });
    expect(res.headers.get("content-location")).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    expect(JSON.parse(await res.text()).visits).toHaveLength(4);
    const kept = await client.threads.search({ metadata: { probe: `${probe}-kept` } });
    expect(kept).toHaveLength(1);
    expect(kept[0]!.status).toBe("idle");

    const stream = await post("/runs/stream", {
      assistant_id: "runs_steps",
      input: { delay_ms: 1 },
    });
    expect(stream.headers.get("content-location")).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    const text = await stream.text();
    expect(text).toContain("event: metadata");
    expect(text).not.toMatch(/^id: /m);
  });

  it("stateless join stream replays a resumable run", async () => {
    const run = await client.runs.create(null, "runs_steps", {
      input: { delay_ms: 50 },
      streamResumable: true,
      streamMode: ["updates"],
    });
    const res = await fetch(`${url}/runs/${run.run_id}/stream`, {
      headers: { "Last-Event-ID": "-1" },
    });
    expect(res.headers.get("content-location")).toBe(`/runs/${run.run_id}`);
    const events = [...(await res.text()).matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(["metadata", "updates", "updates", "updates", "updates"]);
  });

  it("batch creates several stateless runs; an invalid item creates none", async () => {
    const tag = randomUUID();
    const created = await client.runs.createBatch([
      { assistantId: "runs_steps", input: { delay_ms: 1 }, metadata: { tag } },
      { assistantId: "runs_steps", input: { delay_ms: 1 }, metadata: { tag } },
    ]);
    expect(created).toHaveLength(2);
    expect(new Set(created.map((r) => r.thread_id)).size).toBe(2);
    const bad = await post("/runs/batch", [
      { assistant_id: "runs_steps", on_completion: "keep", metadata: { tag: `${tag}-bad` } },
      { assistant_id: "runs_steps", stream_mode: "bogus" },
    ]);
    expect(bad.status).toBe(400);
    expect(await client.threads.search({ metadata: { tag: `${tag}-bad` } })).toEqual([]);
  });

  it("batch: an item that fails late (unknown assistant) creates none of the others", async () => {
    const tag = randomUUID();
    const good = {
      assistant_id: "runs_steps",
      input: { delay_ms: 1 },
      metadata: { tag },
      on_completion: "keep",
    };
    const unknown = { ...good, assistant_id: randomUUID() };
    const res = await post("/runs/batch", [good, good, good, good, unknown]);
    expect(res.status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect(await client.threads.search({ metadata: { tag } })).toEqual([]);
  });

  it("batch: 20 runs all run to their end; 250 scheduled runs are created at once", async () => {
    const tag = randomUUID();
    const item = {
      assistant_id: "runs_steps",
      input: { delay_ms: 1 },
      metadata: { tag },
      on_completion: "keep",
    };
    const created = (await (await post("/runs/batch", Array(20).fill(item))).json()) as {
      run_id: string;
      thread_id: string;
    }[];
    expect(new Set(created.map((r) => r.run_id)).size).toBe(20);
    const deadline = Date.now() + 60_000;
    let idle = 0;
    while (Date.now() < deadline) {
      const threads = await client.threads.search({ metadata: { tag }, limit: 50 });
      idle = threads.filter((t) => t.status === "idle").length;
      if (idle === 20) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(idle).toBe(20);
    // Scheduled for later: all 250 stored as pending in one request, then cancelled.
    const later = { ...item, metadata: { tag: `${tag}-later` }, after_seconds: 600 };
    const res = await post("/runs/batch", Array(250).fill(later));
    expect(res.status).toBe(200);
    const pending = (await res.json()) as { run_id: string; status: string }[];
    try {
      expect(pending).toHaveLength(250);
      expect(pending.every((r) => r.status === "pending")).toBe(true);
      const threads = await client.threads.search({
        metadata: { tag: `${tag}-later` },
        limit: 300,
      });
      expect(threads).toHaveLength(250);
    } finally {
      const cancel = await post("/runs/cancel?action=interrupt", {
        run_ids: pending.map((r) => r.run_id),
      });
      expect(cancel.status).toBe(204);
    }
  }, 90_000);

  it("webhook: POSTs the run with status and values, retrying a failing receiver", async () => {
    const sink = await webhookSink();
    try {
      sink.failNext(1);
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 1 },
        webhook: sink.url,
      });
      await until(() => sink.bodies.length === 1);
      const body = sink.bodies[0]!;
      expect(body).toMatchObject({
        run_id: run.run_id,
        thread_id: thread.thread_id,
        status: "success",
      });
      expect((body.values as Steps).visits).toHaveLength(4);
      for (const k of ["run_started_at", "run_ended_at", "webhook_sent_at"])
        expect(typeof body[k]).toBe("string");
    } finally {
      await sink.close();
    }
  });

  it("durability exit still persists the final state", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      durability: "exit",
    });
    const history = await client.threads.getHistory(thread.thread_id, { limit: 20 });
    const state = await client.threads.getState<Steps>(thread.thread_id);
    expect(state.values.visits).toHaveLength(4);
    // With "exit", intermediate steps are not checkpointed.
    expect(history.length).toBeLessThan(5);
  });
});
