/**
 * Black-box, through the official SDK: every place that takes an assistant id also takes the graph
 * id (it names the graph's system assistant), as runs and assistants always did: cron search and
 * count included (they answered 400 `Invalid GUID`).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

describe.each(sharedServers())("assistant ids or graph ids ($backend)", ({ client }) => {
  it("crons.search / crons.count take a graph id and find the crons of its assistant", async () => {
    const tag = randomUUID();
    const thread = await client.threads.create();
    const byGraph = await client.crons.createForThread(thread.thread_id, "runs_steps", {
      schedule: "0 0 1 1 *",
      metadata: { tag },
    });
    const other = await client.crons.create("agent", { schedule: "0 0 1 1 *", metadata: { tag } });
    const system = (await client.assistants.get("runs_steps")).assistant_id;
    expect(byGraph.assistant_id).toBe(system);

    const found = await client.crons.search({ assistantId: "runs_steps", metadata: { tag } });
    expect(found.map((c) => c.cron_id)).toEqual([byGraph.cron_id]);
    expect(await client.crons.count({ assistantId: "runs_steps", metadata: { tag } })).toBe(1);
    // The stored id finds the same cron; the other graph's cron is never among them.
    expect(
      (await client.crons.search({ assistantId: system, metadata: { tag } })).map((c) => c.cron_id),
    ).toEqual([byGraph.cron_id]);
    expect(
      (await client.crons.search({ assistantId: "agent", metadata: { tag } })).map(
        (c) => c.cron_id,
      ),
    ).toEqual([other.cron_id]);
    // A name that is no graph and no id matches nothing (no 400, no 500).
    expect(await client.crons.search({ assistantId: "no-such-graph", metadata: { tag } })).toEqual(
      [],
    );
    expect(await client.crons.count({ assistantId: "no-such-graph" })).toBe(0);
    await client.crons.delete(byGraph.cron_id);
    await client.crons.delete(other.cron_id);
  });

  it("assistant routes and runs take the graph id", async () => {
    const system = await client.assistants.get("runs_steps");
    expect(system.graph_id).toBe("runs_steps");
    expect(Object.keys(await client.assistants.getGraph("runs_steps"))).toContain("nodes");
    expect((await client.assistants.getSchemas("runs_steps")).graph_id).toBe("runs_steps");
    expect(await client.assistants.getSubgraphs("runs_steps")).toEqual({});
    const versions = await client.assistants.getVersions("runs_steps");
    expect(versions[0]!.assistant_id).toBe(system.assistant_id);
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1, inputs: ["x"] },
    });
    expect(run.assistant_id).toBe(system.assistant_id);
    await client.runs.join(thread.thread_id, run.run_id);
    const stateless = await client.runs.wait(null, "runs_steps", {
      input: { delay_ms: 1, inputs: ["y"] },
    });
    expect((stateless as { inputs: string[] }).inputs).toEqual(["y"]);
  });
});
