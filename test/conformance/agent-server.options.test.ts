/**
 * Black-box, through SDK 1.15.0: Agent Server options and what the official server changed after
 * 1.4.5: feedback_keys, durability per run, GET /runs/crons/:cron_id, `Prefer: return=minimal` on
 * PATCH /threads/:id, graph factories called with (config, runtime) per operation (1.5.0), and a
 * protocol v2 `run.start` with input after a cancelled run starting fresh (1.4.6).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

type Steps = { visits: string[]; inputs: string[] };

const until = async (check: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each(sharedServers())("Agent Server options ($backend)", ({ client, url }) => {
  const get = (path: string) => fetch(`${url}${path}`);

  it("feedback_keys is accepted and kept; durability exit checkpoints less than sync", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      feedbackKeys: ["correctness"],
      durability: "exit",
    });
    expect((run as any).kwargs.feedback_keys).toEqual(["correctness"]);
    await client.runs.join(thread.thread_id, run.run_id);
    const exitHistory = await client.threads.getHistory(thread.thread_id, { limit: 50 });

    const other = await client.threads.create();
    await client.runs.wait(other.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      durability: "sync",
    });
    const syncHistory = await client.threads.getHistory(other.thread_id, { limit: 50 });
    expect(syncHistory.length).toBeGreaterThanOrEqual(6);
    expect(exitHistory.length).toBeLessThan(syncHistory.length);
    expect((await client.threads.getState<Steps>(thread.thread_id)).values.visits).toHaveLength(4);
  });

  it("GET /runs/crons/:cron_id; PATCH /threads/:id with Prefer: return=minimal is a 204", async () => {
    const cron = await client.crons.create("runs_steps", { schedule: "0 0 1 1 *" });
    const res = await get(`/runs/crons/${cron.cron_id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ cron_id: cron.cron_id, schedule: "0 0 1 1 *" });
    expect((await get(`/runs/crons/${randomUUID()}`)).status).toBe(404);
    await client.crons.delete(cron.cron_id);
    expect((await get(`/runs/crons/${cron.cron_id}`)).status).toBe(404);

    const thread = await client.threads.create({ metadata: { a: 1 } });
    const minimal = await fetch(`${url}/threads/${thread.thread_id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", Prefer: "return=minimal" },
      body: JSON.stringify({ metadata: { b: 2 } }),
    });
    expect(minimal.status).toBe(204);
    expect(await minimal.text()).toBe("");
    const sdk = await client.threads.update(thread.thread_id, {
      metadata: { c: 3 },
      returnMinimal: true,
    });
    expect(sdk).toBeUndefined();
    expect((await client.threads.get(thread.thread_id)).metadata).toEqual({ a: 1, b: 2, c: 3 });
  });

  it("graph factories get (config, runtime) per operation, never at boot", async () => {
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, "factory_runtime", {
      input: {},
      context: { tenant: "t1" },
    })) as any;
    expect(values.accessContext).toBe("threads.create_run");
    expect(values.factoryContext).toEqual({ tenant: "t1" });
    expect(values.nodeContext).toEqual({ tenant: "t1" });
    const calls = values.calls as { access: string; configurableKeys: string[] }[];
    // Nothing built the graph before this run but requests: no empty-config boot call.
    expect(calls.every((c) => c.configurableKeys.length > 0)).toBe(true);
    for (const c of calls) {
      expect(c.configurableKeys).not.toContain("accessContext");
      expect(c.configurableKeys).not.toContain("executionRuntime");
    }

    await client.threads.getState(thread.thread_id);
    await client.threads.updateState(thread.thread_id, { values: { note: "n" } });
    const assistant = (await client.assistants.search({ graphId: "factory_runtime" }))[0]!;
    await client.assistants.getGraph(assistant.assistant_id);
    const again = (await client.runs.wait(thread.thread_id, "factory_runtime", {
      input: {},
      context: { tenant: "t2" },
    })) as any;
    const accesses = (again.calls as { access: string; context: unknown }[]).map((c) => c.access);
    for (const a of ["threads.read", "threads.update", "assistants.read"])
      expect(accesses).toContain(a);
    const runCalls = (again.calls as { access: string; context: any }[]).filter(
      (c) => c.access === "threads.create_run",
    );
    expect(runCalls.at(-1)!.context).toEqual({ tenant: "t2" });
    for (const c of again.calls as { access: string; context: unknown }[])
      if (c.access !== "threads.create_run") expect(c.context).toBeNull();

    await expect(
      client.runs.wait(thread.thread_id, "factory_runtime", {
        input: {},
        context: { reject: true },
      }),
    ).rejects.toThrow(/Factory rejected context/);
  }, 90_000);

  it("protocol v2: run.start with input after a cancelled run starts fresh with that input", async () => {
    const thread = client.threads.stream({ assistantId: "runs_steps" });
    const first = (await thread.run.start({ input: { inputs: ["first"], delay_ms: 2000 } })) as {
      run_id: string;
    };
    // Cancel once the first run has checkpointed its input (what a fresh run then starts from).
    await until(
      async () =>
        (await client.runs.get(thread.threadId, first.run_id)).status === "running" &&
        ((await client.threads.getState<Steps>(thread.threadId)).values.inputs ?? []).includes(
          "first",
        ),
    );
    await client.runs.cancel(thread.threadId, first.run_id, true, "interrupt");
    expect((await client.runs.get(thread.threadId, first.run_id)).status).toBe("interrupted");
    const second = (await thread.run.start({ input: { inputs: ["second"], delay_ms: 1 } })) as {
      run_id: string;
    };
    await client.runs.join(thread.threadId, second.run_id);
    await thread.close();
    const run = await client.runs.get(thread.threadId, second.run_id);
    expect(run.status).toBe("success");
    const state = await client.threads.getState<Steps>(thread.threadId);
    expect(state.values.inputs).toEqual(["first", "second"]);
  }, 90_000);
});
