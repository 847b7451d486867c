/**
 * Black-box: `GET /threads/:id/stream` (Python platform contract) through the SDK's
 * `client.threads.joinStream`: every run of the thread in order with a `run_done` after each,
 * `Last-Event-ID` resume (`-` = from the beginning), modes `lifecycle` and `state_update`, live joins.
 */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Part = { id?: string; event: string; data: any };

/** Reads the join stream until `count` run_done events arrived (or the time limit). */
async function until(stream: AsyncIterable<unknown>, count: number, ms = 15_000): Promise<Part[]> {
  const out: Part[] = [];
  const it = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  let done = 0;
  while (done < count && Date.now() < deadline) {
    const next = await Promise.race([
      it.next(),
      new Promise<IteratorResult<unknown>>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (next.done) break;
    const part = next.value as Part;
    out.push(part);
    if (part.event === "run_done") done += 1;
  }
  await it.return?.();
  return out;
}

describe.each(sharedServers())("thread join stream ($backend)", ({ client, url }) => {
  async function twoRuns() {
    const thread = await client.threads.create();
    const tid = thread.thread_id;
    const r1 = await client.runs.create(tid, "runs_steps", {
      input: {},
      streamMode: ["values", "updates"],
    });
    const r2 = await client.runs.create(tid, "runs_steps", {
      input: {},
      streamMode: ["values"],
      multitaskStrategy: "enqueue",
    });
    await client.runs.join(tid, r2.run_id);
    return { tid, r1, r2 };
  }

  it("'-' replays both runs in order, each ended by run_done; ids resume inside and after a run", async () => {
    const { tid, r1, r2 } = await twoRuns();
    const all = await until(client.threads.joinStream(tid, { lastEventId: "-" }), 2);
    const runOf = (p: Part) => p.id!.slice(0, p.id!.lastIndexOf("."));
    expect(all.map(runOf)).toEqual([
      ...all.filter((p) => runOf(p) === r1.run_id).map(() => r1.run_id),
      ...all.filter((p) => runOf(p) === r2.run_id).map(() => r2.run_id),
    ]);
    const first = all.filter((p) => runOf(p) === r1.run_id);
    expect(first[0]).toEqual({
      id: `${r1.run_id}.0`,
      event: "metadata",
      data: { run_id: r1.run_id, attempt: 1 },
    });
    expect(first.at(-1)).toEqual({
      id: `${r1.run_id}.done`,
      event: "run_done",
      data: { run_id: r1.run_id, status: "success" },
    });
    expect(first.some((p) => p.event === "updates")).toBe(true);
    expect(all.at(-1)).toEqual({
      id: `${r2.run_id}.done`,
      event: "run_done",
      data: { run_id: r2.run_id, status: "success" },
    });

    const resumeAt = first[1]!;
    const resumed = await until(client.threads.joinStream(tid, { lastEventId: resumeAt.id }), 2);
    expect(resumed).toEqual(all.slice(2));
    const afterRun1 = await until(
      client.threads.joinStream(tid, { lastEventId: `${r1.run_id}.done` }),
      1,
    );
    expect(afterRun1).toEqual(all.slice(first.length));
  });

  it("lifecycle mode: only run starts and ends; state_update: only root values", async () => {
    const { tid, r1, r2 } = await twoRuns();
    const life = await until(
      client.threads.joinStream(tid, { lastEventId: "-", streamMode: "lifecycle" }),
      2,
    );
    expect(life.map((p) => [p.event, p.data.run_id])).toEqual([
      ["metadata", r1.run_id],
      ["run_done", r1.run_id],
      ["metadata", r2.run_id],
      ["run_done", r2.run_id],
    ]);
    const res = await fetch(`${url}/threads/${tid}/stream?stream_modes=state_update`, {
      headers: { "Last-Event-ID": "-" },
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("location")).toBe(`/threads/${tid}/stream?stream_modes=state_update`);
    const text = await (async () => {
      const reader = res.body!.getReader();
      let acc = "";
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && (acc.match(/event: values/g) ?? []).length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        acc += new TextDecoder().decode(value);
      }
      await reader.cancel();
      return acc;
    })();
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(new Set(events)).toEqual(new Set(["values"]));
  });

  it("a live join (no Last-Event-ID) sees only runs that happen after it joined", async () => {
    const { tid } = await twoRuns();
    const live = client.threads.joinStream(tid);
    const pending = until(live, 1);
    await new Promise((r) => setTimeout(r, 300));
    const r3 = await client.runs.create(tid, "runs_steps", { input: {} });
    const parts = await pending;
    expect(parts[0]).toMatchObject({ event: "metadata", data: { run_id: r3.run_id } });
    expect(parts.at(-1)).toMatchObject({
      event: "run_done",
      data: { run_id: r3.run_id, status: "success" },
    });
    expect(parts.every((p) => p.id!.startsWith(`${r3.run_id}.`))).toBe(true);
  });

  it("unknown thread is 404; unknown mode is 422", async () => {
    const missing = await fetch(`${url}/threads/00000000-0000-4000-8000-000000000000/stream`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(
      "Thread with ID 00000000-0000-4000-8000-000000000000 not found",
    );
    const thread = await client.threads.create();
    const bad = await fetch(`${url}/threads/${thread.thread_id}/stream?stream_mode=bogus`);
    expect(bad.status).toBe(422);
  });
});
