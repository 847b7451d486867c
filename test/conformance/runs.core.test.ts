/** Black-box: run create / stream / wait / join / list / get / delete through the official SDK. */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";
import { sseFrames } from "../support/sse.ts";

type Steps = { visits: string[]; inputs: string[] };

const gather = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe.each(sharedServers())("runs core ($backend)", ({ client, url }) => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("background run: create, join, get, thread values and status", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 20, inputs: ["a"] },
    });
    expect(run.thread_id).toBe(thread.thread_id);
    expect(["pending", "running"]).toContain(run.status);
    expect(run.multitask_strategy).toBe("reject");
    const values = (await client.runs.join(thread.thread_id, run.run_id)) as Steps;
    expect(values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    const done = await client.runs.get(thread.thread_id, run.run_id);
    expect(done.status).toBe("success");
    expect(done.metadata).toMatchObject({ graph_id: "runs_steps" });
    const kwargs = (
      done as unknown as { kwargs: { config: { configurable: Record<string, unknown> } } }
    ).kwargs;
    expect(kwargs.config.configurable).toMatchObject({
      run_id: run.run_id,
      thread_id: thread.thread_id,
      graph_id: "runs_steps",
      assistant_id: run.assistant_id,
    });
    const after = await client.threads.get<Steps>(thread.thread_id);
    expect(after.status).toBe("idle");
    expect(after.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    expect(after.metadata).toMatchObject({
      graph_id: "runs_steps",
      assistant_id: run.assistant_id,
    });
  });

  it("stream: metadata first, ids from 0, Content-Location and Location headers", async () => {
    const thread = await client.threads.create();
    const res = await post(`/threads/${thread.thread_id}/runs/stream`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 10 },
      stream_mode: ["values", "updates"],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const loc = res.headers.get("content-location")!;
    expect(loc).toMatch(new RegExp(`^/threads/${thread.thread_id}/runs/[0-9a-f-]{36}$`));
    expect(res.headers.get("location")).toBe(`${loc}/stream`);
    const frames = sseFrames(await res.text());
    expect(frames[0]).toMatch(
      /^event: metadata\ndata: \{"run_id":"[0-9a-f-]+","attempt":1\}\nid: 0$/,
    );
    const events = frames.map((f) => f.split("\n")[0]!.slice(7));
    expect(events.filter((e) => e === "updates")).toHaveLength(4);
    expect(events.at(-1)).toBe("values");
    expect(frames.map((f) => f.split("\n").at(-1))).toEqual(frames.map((_, i) => `id: ${i}`));
  });

  it("SDK stream reports the run via onRunCreated and yields final values", async () => {
    const thread = await client.threads.create();
    let created: { run_id: string; thread_id?: string } | undefined;
    const chunks = await gather(
      client.runs.stream(thread.thread_id, "runs_steps", {
        input: { delay_ms: 5 },
        onRunCreated: (meta) => {
          created = meta;
        },
      }),
    );
    expect(chunks[0]!.event).toBe("metadata");
    expect(created?.thread_id).toBe(thread.thread_id);
    expect((chunks[0]!.data as { run_id: string }).run_id).toBe(created?.run_id);
    expect((chunks.at(-1)!.data as Steps).visits).toHaveLength(4);
  });

  it("wait returns the final values; a failing graph raises and leaves the thread in error", async () => {
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5 },
    })) as Steps;
    expect(values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    await expect(
      client.runs.wait(thread.thread_id, "runs_steps", { input: { fail_at: "s2", delay_ms: 5 } }),
    ).rejects.toThrow("StepError: failed at s2");
    const t = await client.threads.get(thread.thread_id);
    expect(t.status).toBe("error");
    const runs = await client.runs.list(thread.thread_id);
    expect(runs.map((r) => r.status).sort()).toEqual(["error", "success"]);
  });

  it("wait answers text/plain with keep-alive newlines before the JSON", async () => {
    const thread = await client.threads.create();
    const res = await post(`/threads/${thread.thread_id}/runs/wait`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 400 },
    });
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.headers.get("content-location")).toMatch(/\/runs\/[0-9a-f-]{36}$/);
    const body = await res.text();
    expect(body.startsWith("\n")).toBe(true);
    expect(JSON.parse(body).visits).toHaveLength(4);
  });

  it("list: limit and offset page correctly, status filter, select", async () => {
    const thread = await client.threads.create();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 1 },
        multitaskStrategy: "enqueue",
      });
      ids.push(run.run_id);
    }
    await client.runs.join(thread.thread_id, ids[2]!);
    const all = await client.runs.list(thread.thread_id);
    expect(all.map((r) => r.run_id)).toEqual([...ids].reverse());
    const middle = await client.runs.list(thread.thread_id, { limit: 1, offset: 1 });
    expect(middle.map((r) => r.run_id)).toEqual([ids[1]]);
    const two = await client.runs.list(thread.thread_id, { limit: 2, offset: 1 });
    expect(two.map((r) => r.run_id)).toEqual([ids[1], ids[0]]);
    expect(await client.runs.list(thread.thread_id, { status: "pending" })).toEqual([]);
    expect(await client.runs.list(thread.thread_id, { status: "success" })).toHaveLength(3);
    const selected = await client.runs.list(thread.thread_id, {
      select: ["run_id", "status"],
      limit: 1,
    });
    expect(Object.keys(selected[0]!).sort()).toEqual(["run_id", "status"]);
  });

  it("get/delete: 404 texts, delete removes the run", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
    });
    await client.runs.join(thread.thread_id, run.run_id);
    await client.runs.delete(thread.thread_id, run.run_id);
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow(
      "HTTP 404: Run not found",
    );
    const missing = "00000000-0000-4000-8000-000000000000";
    await expect(client.runs.get(missing, run.run_id)).rejects.toThrow(
      `Thread with ID ${missing} not found`,
    );
    await expect(client.runs.list(missing)).rejects.toThrow(`Thread with ID ${missing} not found`);
  });

  it("join stream: Last-Event-ID -1 replays a resumable run; N resumes after N", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 5 },
      streamMode: ["updates"],
      streamResumable: true,
    });
    await client.runs.join(thread.thread_id, run.run_id);
    const all = await gather(
      client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }),
    );
    expect(all.map((c) => c.event)).toEqual([
      "metadata",
      "updates",
      "updates",
      "updates",
      "updates",
    ]);
    const res = await fetch(`${url}/threads/${thread.thread_id}/runs/${run.run_id}/stream`, {
      headers: { "Last-Event-ID": "2" },
    });
    const text = await res.text();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
    expect(ids).toEqual(["3", "4"]);
    const filtered = await gather(
      client.runs.joinStream(thread.thread_id, run.run_id, {
        lastEventId: "-1",
        streamMode: ["values"],
      }),
    );
    expect(filtered.map((c) => c.event)).toEqual(["metadata"]);
  });

  it("x-* request headers and user-agent reach configurable; secrets do not", async () => {
    const res = await post(
      "/runs/wait",
      {
        assistant_id: "runs_hitl",
        input: { skip_interrupt: true, report_keys: ["x-custom-thing", "x-api-key", "user-agent"] },
      },
      { "x-custom-thing": "hello", "x-api-key": "secret", "user-agent": "olg-test" },
    );
    const body = await res.json();
    expect(body.seen).toEqual({
      "x-custom-thing": "hello",
      "x-api-key": null,
      "user-agent": "olg-test",
    });
  });
});
