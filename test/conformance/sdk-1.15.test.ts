/**
 * Black-box, through SDK 1.15.0: the wire features of SDK 1.11-1.15 (top-level checkpoint_id,
 * array query params in both forms, `select` on state/history/runs, `?namespace=` filters,
 * cancel reasons, strict resume, response_schema, joinStream from a checkpoint). Stream ends and
 * reconnects: sdk-1.15.streams.test.ts; Agent Server options: agent-server.options.test.ts.
 */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Steps = { visits: string[]; inputs: string[] };
type Parity = { small?: string; big?: string; steps: string[]; answer?: unknown };

const until = async (check: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe.each(sharedServers())("SDK 1.15 wire features ($backend)", ({ client, url }) => {
  const get = (path: string) => fetch(`${url}${path}`);

  it("/info advertises stream_namespaces and strict_resume", async () => {
    const info = (await (await get("/info")).json()) as { flags: Record<string, boolean> };
    expect(info.flags.stream_namespaces).toBe(true);
    expect(info.flags.strict_resume).toBe(true);
  });

  it("forks from a top-level checkpoint_id on runs.wait, runs.stream and runs.create", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "runs_steps", { input: { delay_ms: 1 } });
    const history = await client.threads.getHistory(thread.thread_id, { limit: 20 });
    const atS3 = history.find((s) => s.next.length === 1 && s.next[0] === "s3");
    expect(atS3).toBeDefined();
    const values = (await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      checkpointId: atS3!.checkpoint.checkpoint_id!,
    })) as Steps;
    // From [s1, s2] a fresh pass adds four visits; from the head it would be eight in all.
    const forked = ["s1", "s2", "s1", "s2", "s3", "s4"];
    expect(values.visits).toEqual(forked);
    // The same on runs.stream and runs.create (each forks from that checkpoint again).
    const id = atS3!.checkpoint.checkpoint_id!;
    const streamed = await collect(
      client.runs.stream(thread.thread_id, "runs_steps", {
        input: { delay_ms: 1 },
        checkpointId: id,
        streamMode: ["values"],
      }),
    );
    expect((streamed.at(-1)!.data as Steps).visits).toEqual(forked);
    const created = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      checkpointId: id,
    });
    await client.runs.join(thread.thread_id, created.run_id);
    expect((await client.threads.getState<Steps>(thread.thread_id)).values.visits).toEqual(forked);
  }, 90_000);

  it("select on state, state at a checkpoint, POST state/checkpoint and history", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "parity", {
      input: { small: "s", big: "B".repeat(5000) },
    });
    const only = await client.threads.getState(thread.thread_id, undefined, {
      select: ["values.small"],
    });
    expect(only).toEqual({ values: { small: "s" } });
    const two = (await client.threads.getState(thread.thread_id, undefined, {
      select: ["values.small", "checkpoint", "metadata"],
    })) as any;
    expect(Object.keys(two).sort()).toEqual(["checkpoint", "metadata", "values"]);
    expect(two.values).toEqual({ small: "s" });
    const id = two.checkpoint.checkpoint_id as string;

    const full = await client.threads.getState<Parity>(thread.thread_id);
    expect(full.values.steps).toContain("child.inner");
    const byId = await client.threads.getState(thread.thread_id, id, {
      select: ["next", "values.steps"],
    });
    expect(byId).toEqual({ next: [], values: { steps: full.values.steps } });
    const byBody = await client.threads.getState(
      thread.thread_id,
      { checkpoint_id: id, checkpoint_ns: "" } as any,
      { select: ["values.small", "interrupts"] },
    );
    expect(byBody).toEqual({ values: { small: "s" }, interrupts: [] });

    const history = await client.threads.getHistory(thread.thread_id, {
      limit: 3,
      select: ["values.small", "created_at"],
    });
    expect(history).toHaveLength(3);
    for (const h of history) expect(Object.keys(h).sort()).toEqual(["created_at", "values"]);
    expect(history[0]!.values).toEqual({ small: "s" });

    // Both array forms of the query string; unknown fields are a 422.
    const repeated = await get(
      `/threads/${thread.thread_id}/state?select=values.small&select=next`,
    );
    expect(await repeated.json()).toEqual({ values: { small: "s" }, next: [] });
    const asJson = await get(
      `/threads/${thread.thread_id}/state?select=${encodeURIComponent('["values.small","next"]')}`,
    );
    expect(await asJson.json()).toEqual({ values: { small: "s" }, next: [] });
    expect((await get(`/threads/${thread.thread_id}/state?select=bogus`)).status).toBe(422);
  });

  it("runs.list with select and status; cancel reason taken (refused with rollback)", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "parity", {
      input: { sleep_ms: 3000 },
    });
    await until(
      async () => (await client.runs.get(thread.thread_id, run.run_id)).status === "running",
    );
    const refused = await fetch(
      `${url}/threads/${thread.thread_id}/runs/${run.run_id}/cancel?action=rollback&reason=taken`,
      { method: "POST" },
    );
    expect(refused.status).toBe(422);
    await client.runs.cancel(thread.thread_id, run.run_id, true, "interrupt", { reason: "taken" });
    const listed = await client.runs.list(thread.thread_id, {
      status: "interrupted",
      select: ["run_id", "cancel_reason"],
    });
    expect(listed).toEqual([{ run_id: run.run_id, cancel_reason: "taken:interrupt" }]);
    const none = await client.runs.list(thread.thread_id, {
      status: "success",
      select: ["run_id"],
    });
    expect(none).toEqual([]);
    const json = await get(
      `/threads/${thread.thread_id}/runs?select=${encodeURIComponent('["status"]')}`,
    );
    expect(await json.json()).toEqual([{ status: "interrupted" }]);
  });

  it("?namespace= keeps only the named namespaces", async () => {
    const thread = await client.threads.create();
    const all = await collect(
      client.runs.stream(thread.thread_id, "parity", {
        input: {},
        streamMode: ["updates"],
        streamSubgraphs: true,
      }),
    );
    const names = all.map((e) => e.event);
    expect(names.some((n) => n.startsWith("updates|child:"))).toBe(true);

    const root = await collect(
      client.runs.stream(thread.thread_id, "parity", {
        input: {},
        streamMode: ["updates"],
        streamSubgraphs: true,
        streamNamespaces: [""],
      }),
    );
    expect(root.map((e) => e.event)).toEqual(["metadata", "updates", "updates", "updates"]);

    const run = await client.runs.create(thread.thread_id, "parity", {
      input: {},
      streamMode: ["updates"],
      streamSubgraphs: true,
      streamResumable: true,
    });
    const child = await collect(
      client.runs.joinStream(thread.thread_id, run.run_id, {
        lastEventId: "-1",
        streamNamespaces: ["child"],
      }),
    );
    const childNames = child.map((e) => e.event).filter((n) => n !== "metadata" && n !== "end");
    expect(childNames.length).toBeGreaterThan(0);
    for (const n of childNames) expect(n).toMatch(/^updates\|child:[^|]+$/);
  });

  it("joinStream with checkpointId and Last-Event-ID -1 sends only what follows it", async () => {
    const thread = await client.threads.create();
    const earlier = await client.runs.create(thread.thread_id, "parity", {
      input: { small: "a" },
      streamResumable: true,
    });
    await client.runs.join(thread.thread_id, earlier.run_id);
    const run = await client.runs.create(thread.thread_id, "parity", {
      input: { small: "b" },
      streamMode: ["values"],
      streamResumable: true,
    });
    await client.runs.join(thread.thread_id, run.run_id);
    const whole = await collect(
      client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }),
    );
    const wholeValues = whole.filter((e) => e.event === "values");
    expect(wholeValues.length).toBeGreaterThanOrEqual(3);

    const history = await client.threads.getHistory(thread.thread_id, { limit: 20 });
    const mine = history.filter((h) => h.metadata?.run_id === run.run_id);
    const afterPrep = mine.find((h) => h.next.length === 1 && h.next[0] === "child");
    expect(afterPrep).toBeDefined();
    const tail = await collect(
      client.runs.joinStream(thread.thread_id, run.run_id, {
        lastEventId: "-1",
        checkpointId: afterPrep!.checkpoint.checkpoint_id!,
      }),
    );
    expect(tail[0]!.event).toBe("metadata");
    const tailValues = tail.filter((e) => e.event === "values");
    expect(tailValues.length).toBeGreaterThan(0);
    expect(tailValues.length).toBeLessThan(wholeValues.length);
    expect(tailValues.at(-1)!.data).toEqual(wholeValues.at(-1)!.data);
    expect((tailValues[0]!.data as Parity).steps).toContain("child.inner");

    // A checkpoint of another run: the whole run.
    const other = history.find((h) => h.metadata?.run_id === earlier.run_id)!;
    const again = await collect(
      client.runs.joinStream(thread.thread_id, run.run_id, {
        lastEventId: "-1",
        checkpointId: other.checkpoint.checkpoint_id!,
      }),
    );
    expect(again.filter((e) => e.event === "values")).toEqual(wholeValues);
  });

  it("strict_resume refuses an answer to an interrupt that is not pending; response_schema", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "parity", { input: { ask: true } });
    const t = await client.threads.get(thread.thread_id);
    expect(t.status).toBe("interrupted");
    const pending = Object.values(t.interrupts).flat() as any[];
    expect(pending).toHaveLength(1);
    expect(pending[0].response_schema).toMatchObject({
      type: "object",
      properties: { approved: { type: "boolean" } },
    });
    const before = await client.threads.getState(thread.thread_id);

    const bogus = "0".repeat(32);
    await expect(
      client.runs.wait(thread.thread_id, "parity", {
        command: { resume: { [bogus]: { approved: true } } },
        strictResume: true,
      }),
    ).rejects.toThrow(/UnknownInterruptError/);
    const failed = await client.runs.list(thread.thread_id, { limit: 1 });
    expect(failed[0]!.status).toBe("error");
    const after = await client.threads.getState(thread.thread_id);
    expect(after.checkpoint.checkpoint_id).toBe(before.checkpoint.checkpoint_id);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");

    const values = (await client.runs.wait(thread.thread_id, "parity", {
      command: { resume: { [pending[0].id]: { approved: true } } },
      strictResume: true,
    })) as Parity;
    expect(values.answer).toEqual({ approved: true });
  });
});
