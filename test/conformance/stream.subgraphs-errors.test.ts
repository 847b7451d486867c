/** Black-box: subgraph namespaces, interrupts and resume, failures, stateless streams, resumable replay. */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";
import { sseFrames } from "../support/sse.ts";

type Part = { id?: string; event: string; data: any };

async function gather(stream: AsyncIterable<unknown>): Promise<Part[]> {
  const out: Part[] = [];
  for await (const part of stream) out.push(part as Part);
  return out;
}

describe.each(sharedServers())("stream subgraphs, errors, replay ($backend)", ({ client, url }) => {
  it("subgraphs: mode|ns events, interrupt inside the child, resume with a command", async () => {
    const thread = await client.threads.create();
    const first = await gather(
      client.runs.stream(thread.thread_id, "stream_nested", {
        input: { steps: [] },
        streamMode: ["values", "updates", "custom"],
        streamSubgraphs: true,
      }),
    );
    expect(first[0]?.event).toBe("metadata");
    const nested = first.filter((p) => p.event.includes("|"));
    expect(nested.length).toBeGreaterThan(0);
    for (const p of nested)
      expect(p.event).toMatch(/^(values|updates|custom|checkpoints)\|child:[0-9a-f-]+$/);
    expect(first.find((p) => p.event.startsWith("custom|"))?.data).toEqual({
      from: "child.prepare",
    });
    expect(first.at(-1)).toMatchObject({
      event: "values",
      data: { __interrupt__: [{ value: { question: "continue?" } }] },
    });
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");

    const second = await gather(
      client.runs.stream(thread.thread_id, "stream_nested", {
        command: { resume: "yes" },
        streamMode: ["updates"],
      }),
    );
    expect(second.map((p) => p.event)).toEqual(["metadata", "updates", "updates"]);
    expect(second.at(-1)?.data).toEqual({ finish: { steps: ["parent.finish:yes"] } });
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("without stream_subgraphs there are no namespaced events", async () => {
    const thread = await client.threads.create();
    const parts = await gather(
      client.runs.stream(thread.thread_id, "stream_nested", {
        input: { steps: [] },
        streamMode: ["values", "updates", "custom"],
      }),
    );
    expect(parts.some((p) => p.event.includes("|"))).toBe(false);
  });

  it("a failing run ends with an error event carrying the error class and message", async () => {
    const thread = await client.threads.create();
    const parts = await gather(
      client.runs.stream(thread.thread_id, "stream_error", {
        input: { messages: [] },
        streamMode: ["debug", "events"],
      }),
    );
    expect(parts[0]?.event).toBe("metadata");
    expect(parts.at(-1)).toMatchObject({
      event: "error",
      data: { error: "CustomError", message: "Boo!" },
    });
    expect(parts.filter((p) => p.event === "error")).toHaveLength(1);
    const run = await client.runs.get(thread.thread_id, parts[0]?.data.run_id);
    expect(run.status).toBe("error");
  });

  it("create + joinStream still sees the error event", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "stream_error", {
      input: { messages: [] },
    });
    const parts = await gather(client.runs.joinStream(thread.thread_id, run.run_id));
    expect(parts.at(-1)).toMatchObject({
      event: "error",
      data: { error: "CustomError", message: "Boo!" },
    });
  });

  it("stateless /runs/stream has no ids; thread streams have ids", async () => {
    const stateless = await gather(
      client.runs.stream(null, "stream_agent", {
        input: { messages: [{ type: "human", content: "x" }] },
        streamMode: "updates",
      }),
    );
    expect(stateless[0]?.event).toBe("metadata");
    expect(stateless.every((p) => p.id === undefined)).toBe(true);
    const res = await fetch(`${url}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        assistant_id: "stream_agent",
        input: { messages: [] },
        stream_mode: ["updates"],
      }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("content-location")).toMatch(/^\/runs\/[0-9a-f-]+$/);
    expect(await res.text()).not.toMatch(/^id: /m);
  });

  it("thread stream wire format: headers, event/data/id frames", async () => {
    const thread = await client.threads.create();
    const res = await fetch(`${url}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        assistant_id: "stream_agent",
        input: { messages: [] },
        stream_mode: ["updates"],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-location")).toMatch(
      new RegExp(`^/threads/${thread.thread_id}/runs/[0-9a-f-]+$`),
    );
    const frames = sseFrames(await res.text());
    expect(frames[0]).toMatch(
      /^event: metadata\ndata: \{"run_id":"[0-9a-f-]+","attempt":1\}\nid: 0$/,
    );
    frames.forEach((f, i) => {
      expect(f.endsWith(`\nid: ${i}`)).toBe(true);
    });
  });

  it("resumable: joinStream with Last-Event-ID -1 replays the original stream exactly; N resumes at N+1", async () => {
    const thread = await client.threads.create();
    let created!: (m: { run_id: string; thread_id?: string }) => void;
    const runCreated = new Promise<{ run_id: string; thread_id?: string }>((r) => {
      created = r;
    });
    const original = client.runs.stream(thread.thread_id, "stream_agent", {
      input: { messages: [{ type: "human", content: "hi" }] },
      streamMode: ["values", "custom", "messages-tuple"],
      streamResumable: true,
      onRunCreated: (m) => created(m),
    });
    const [source, joined] = await Promise.all([
      gather(original),
      runCreated.then(({ run_id }) =>
        gather(client.runs.joinStream(thread.thread_id, run_id, { lastEventId: "-1" })),
      ),
    ]);
    expect(source.length).toBeGreaterThan(5);
    expect(joined).toEqual(source);
    const { run_id } = await runCreated;
    const after = await gather(
      client.runs.joinStream(thread.thread_id, run_id, { lastEventId: "3" }),
    );
    expect(after).toEqual(source.slice(4));
    // without Last-Event-ID a finished resumable run yields nothing
    expect(await gather(client.runs.joinStream(thread.thread_id, run_id))).toEqual([]);
  });

  it("resumable: a joiner attaching mid-run with -1 gets the full, identical sequence", async () => {
    const thread = await client.threads.create();
    let created!: (m: { run_id: string }) => void;
    const runCreated = new Promise<{ run_id: string }>((r) => {
      created = r;
    });
    const options = {
      input: { messages: [{ type: "human", content: "hi" }] },
      streamMode: ["values", "custom"] as ("values" | "custom")[],
      streamResumable: true,
      config: { configurable: { delay_ms: 400 } },
      onRunCreated: (m: { run_id: string }) => created(m),
    };
    const [source, joined] = await Promise.all([
      gather(client.runs.stream(thread.thread_id, "stream_agent", options)),
      runCreated.then(async ({ run_id }) => {
        await new Promise((r) => setTimeout(r, 300));
        const run = await client.runs.get(thread.thread_id, run_id);
        expect(run.status).toBe("running");
        return gather(client.runs.joinStream(thread.thread_id, run_id, { lastEventId: "-1" }));
      }),
    ]);
    expect(source.filter((p) => p.event === "custom")).toHaveLength(2);
    expect(joined).toEqual(source);
  });

  it("non-resumable: a second joiner mid-run gets a gap-free suffix of the stream", async () => {
    const thread = await client.threads.create();
    let created!: (m: { run_id: string }) => void;
    const runCreated = new Promise<{ run_id: string }>((r) => {
      created = r;
    });
    const [source, joined] = await Promise.all([
      gather(
        client.runs.stream(thread.thread_id, "stream_agent", {
          input: { messages: [{ type: "human", content: "hi" }] },
          streamMode: ["values", "custom"],
          config: { configurable: { delay_ms: 400 } },
          onRunCreated: (m) => created(m),
        }),
      ),
      runCreated.then(async ({ run_id }) => {
        await new Promise((r) => setTimeout(r, 300));
        return gather(client.runs.joinStream(thread.thread_id, run_id));
      }),
    ]);
    expect(joined.length).toBeGreaterThan(0);
    expect(joined.length).toBeLessThan(source.length);
    expect(joined).toEqual(source.slice(source.length - joined.length));
  });
});
