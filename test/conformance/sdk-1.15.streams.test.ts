/**
 * Black-box, through SDK 1.15.0: how run streams end and recover, and strict resume over the
 * thread protocol. A run stream closes after the run's last event, without `event: end` (as the
 * official server and its suite have it; see docs/conformance.md), and by then the run is no longer
 * `running`, so the SDK's close-time status check never reconnects; a connection cut while the run
 * is active is resumed by the SDK from `Location` + `Last-Event-ID` with no event lost or repeated;
 * `input.respond` with `strict_resume` answering an interrupt that is not pending fails the run
 * with the refusal on the root `lifecycle` `failed` event and leaves the thread as it was.
 */
import { Client } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Ev = { method: string; seq: number; params: any };
const isRootTerminal = (e: Ev) =>
  e.method === "lifecycle" &&
  e.params.namespace.length === 0 &&
  ["completed", "failed", "interrupted"].includes(e.params.data.event);

/** Events of `sub` until `stop` matches (inclusive) or `ms` pass. */
async function collectUntil(sub: AsyncIterable<Ev>, stop: (e: Ev) => boolean, ms = 15_000) {
  const out: Ev[] = [];
  const it = sub[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const next = await Promise.race([
      it.next(),
      new Promise<IteratorResult<Ev>>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (next.done) break;
    out.push(JSON.parse(JSON.stringify(next.value)));
    if (stop(next.value)) break;
  }
  return out;
}

/**
 * A fetch that cuts the body of the first `POST …/runs/stream` after `chunks` chunks, as a dropped
 * connection does (the SDK sees a read error mid-stream), and records every request it makes.
 */
function cuttingFetch(chunks: number) {
  let cut = false;
  const requests: { method: string; path: string; lastEventId: string | null }[] = [];
  const cutting = async (input: any, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const lastEventId = new Headers(init?.headers).get("last-event-id");
    requests.push({ method, path: new URL(String(input)).pathname, lastEventId });
    const res = await fetch(input, init);
    if (cut || method !== "POST" || !String(input).includes("/runs/stream")) return res;
    cut = true;
    const reader = res.body!.getReader();
    let seen = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        if (++seen >= chunks) {
          await reader.cancel();
          controller.error(new TypeError("terminated"));
        }
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: cutting, requests };
}

/** Polls until the thread is no longer busy (its last run finalised), then returns it. */
async function settled(client: Client, threadId: string) {
  for (let i = 0; i < 200; i++) {
    const thread = await client.threads.get(threadId);
    if (thread.status !== "busy") return thread;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("thread stayed busy");
}

describe.each(sharedServers())("SDK 1.15 run streams ($backend)", ({ client, url }) => {
  it("a run stream ends after the run's last event, with no reconnect and no end event", async () => {
    const recording = cuttingFetch(Number.POSITIVE_INFINITY);
    const sdk = new Client({ apiUrl: url, callerOptions: { fetch: recording.fetch } });
    const thread = await client.threads.create();
    for (let i = 0; i < 3; i++) {
      const events: { event: string; data: any }[] = [];
      for await (const e of sdk.runs.stream(thread.thread_id, "runs_steps", {
        input: { delay_ms: 1 },
        streamMode: ["values"],
      }))
        events.push(e);
      expect(events[0]!.event).toBe("metadata");
      expect(events.at(-1)!.event).toBe("values");
      expect(events.map((e) => e.event)).not.toContain("end");
      const runId = events[0]!.data.run_id as string;
      const run = await client.runs.get(thread.thread_id, runId);
      expect(run.status).toBe("success");
      expect(events.at(-1)!.data).toEqual((await client.threads.getState(thread.thread_id)).values);
    }
    // Per stream: the POST, then the SDK's one status check of the run; never a reconnect GET.
    const streams = recording.requests.filter((r) => r.path.endsWith("/stream"));
    expect(streams.map((r) => r.method)).toEqual(["POST", "POST", "POST"]);
  }, 90_000);

  it("a connection cut while the run is active is resumed from Last-Event-ID", async () => {
    const cutting = cuttingFetch(2);
    const cutClient = new Client({ apiUrl: url, callerOptions: { fetch: cutting.fetch } });
    const thread = await client.threads.create();
    const events: { id?: string; event: string; data: any }[] = [];
    for await (const e of cutClient.runs.stream(thread.thread_id, "runs_steps", {
      input: { delay_ms: 300 },
      streamMode: ["values"],
      streamResumable: true,
      onDisconnect: "continue",
    }))
      events.push(e);
    // The POST was cut; the SDK rejoined the run's stream once, from the last id it had.
    const streams = cutting.requests.filter((r) => r.path.endsWith("/stream"));
    expect(streams.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(streams[1]!.path).toMatch(/\/threads\/[^/]+\/runs\/[^/]+\/stream$/);
    expect(streams[1]!.lastEventId).not.toBeNull();
    expect(events.map((e) => e.id)).toContain(streams[1]!.lastEventId);
    // Every event once, in order: ids strictly increase across the reconnect.
    const ids = events.map((e) => e.id).filter((id) => id != null);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.filter((e) => e.event === "metadata")).toHaveLength(1);
    const visits = events.filter((e) => e.event === "values").map((e) => e.data.visits.length);
    expect(visits).toEqual([0, 1, 2, 3, 4]);
    const runs = await client.runs.list(thread.thread_id);
    expect(runs.map((r) => r.status)).toEqual(["success"]);
  }, 90_000);

  it("protocol input.respond with strict_resume refuses an interrupt that is not pending", async () => {
    const thread = client.threads.stream({ assistantId: "runs_hitl" });
    const sub = (await thread.subscribe({
      channels: ["lifecycle", "input"],
    })) as unknown as AsyncIterable<Ev>;
    await thread.run.start({ input: { question: "ship it?" } });
    const first = await collectUntil(sub, isRootTerminal);
    expect(first.at(-1)!.params.data.event).toBe("interrupted");
    const pendingId = first.find((e) => e.method === "input.requested")!.params.data
      .interrupt_id as string;
    const before = await client.threads.getState(thread.threadId);

    const bogus = "0".repeat(32);
    await thread.respondInput({ interrupt_id: bogus, response: "yes" } as any, {
      strictResume: true,
    });
    const refused = await collectUntil(sub, (e) => isRootTerminal(e) && e.seq > first.at(-1)!.seq);
    const failed = refused.at(-1)!.params.data;
    expect(failed).toMatchObject({
      event: "failed",
      reason: "unknown_interrupt",
      interrupt_ids: [bogus],
      pending_ids: [pendingId],
    });
    const after = await client.threads.getState(thread.threadId);
    expect(after.checkpoint.checkpoint_id).toBe(before.checkpoint.checkpoint_id);
    expect((await settled(client, thread.threadId)).status).toBe("interrupted");

    // Answering the pending one strictly goes through.
    await thread.respondInput({ interrupt_id: pendingId, response: "yes" } as any, {
      strictResume: true,
    });
    const done = await collectUntil(sub, (e) => isRootTerminal(e) && e.seq > refused.at(-1)!.seq);
    expect(done.at(-1)!.params.data.event).toBe("completed");
    expect((await client.threads.getState<any>(thread.threadId)).values).toMatchObject({
      answer: "yes",
      finished: true,
    });
    await thread.close();
  }, 90_000);
});
