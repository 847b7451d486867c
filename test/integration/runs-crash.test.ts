/**
 * Durable execution across processes on PostgreSQL: a server killed with SIGKILL mid-run leaves a
 * run whose lease expires; a second server on the same database claims it again and resumes it
 * from its last checkpoint (attempt 2, completed steps not redone). A SIGTERM drain hands an
 * unfinished run back to the queue the same way.
 */
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";

type Steps = { visits: string[] };

const pgUp = await postgresAvailable();
const env = { OLG_RUN_LEASE_SECONDS: "2", OLG_RUN_DRAIN_SECONDS: "0.5" };

describe.runIf(pgUp)("runs survive a dead server (postgres)", () => {
  let databaseUrl: string;
  let db: pg.Client;
  const servers: TestServer[] = [];
  // The server that resumed the first test's run, still up: the second test's first server (a
  // running server of the same database either way; one start of ~6 CPU-s fewer).
  let spare: { server: TestServer; client: Client } | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_crash");
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    for (const s of servers) await s.stop("SIGKILL").catch(() => {});
    await db.end().catch(() => {});
    await dropTestDatabase(databaseUrl);
  });

  const start = async () => {
    const server = await startServer({ backend: "postgres", databaseUrl, env });
    servers.push(server);
    return { server, client: new Client({ apiUrl: server.url }) };
  };

  /** Starts a slow run and waits until two of its four steps are checkpointed. */
  async function runHalfway(client: Client) {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 700 },
    });
    await poll(async () => {
      const s = await client.threads.getState<Steps>(thread.thread_id);
      return (s.values.visits?.length ?? 0) >= 2 ? true : undefined;
    }, 15_000);
    return { threadId: thread.thread_id, runId: run.run_id };
  }

  async function expectResumed(client: Client, threadId: string, runId: string) {
    const status = await poll(async () => {
      const r = await client.runs.get(threadId, runId);
      return r.status === "success" || r.status === "error" ? r.status : undefined;
    }, 30_000);
    expect(status).toBe("success");
    const state = await client.threads.getState<Steps>(threadId);
    // Each step appends its name once: a redone step would appear twice.
    expect(state.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    const row = await db.query("SELECT attempt, status, lease_owner FROM runs WHERE run_id = $1", [
      runId,
    ]);
    expect(row.rows[0]).toMatchObject({ attempt: 2, status: "success", lease_owner: null });
    const stuck = await db.query("SELECT count(*)::int AS n FROM runs WHERE status = 'running'");
    expect(stuck.rows[0].n).toBe(0);
    expect((await client.threads.get(threadId)).status).toBe("idle");
  }

  it("SIGKILL mid-run: a second server resumes the run from its last checkpoint", async () => {
    const first = await start();
    const { threadId, runId } = await runHalfway(first.client);
    first.server.child.kill("SIGKILL");
    await new Promise((r) => first.server.child.once("exit", r));
    const crashed = await db.query("SELECT status, attempt FROM runs WHERE run_id = $1", [runId]);
    expect(crashed.rows[0]).toMatchObject({ status: "running", attempt: 1 });

    const second = await start();
    await expectResumed(second.client, threadId, runId);
    const events = [];
    for await (const e of second.client.runs.joinStream(threadId, runId, { lastEventId: "-1" }))
      events.push(e);
    expect(events[0]).toMatchObject({ event: "metadata", data: { run_id: runId, attempt: 2 } });
    spare = second;
  }, 90_000);

  it("SIGTERM drain hands an unfinished run back; another server finishes it", async () => {
    const first = spare ?? (await start());
    spare = undefined;
    const { threadId, runId } = await runHalfway(first.client);
    await first.server.stop("SIGTERM");
    const released = await db.query("SELECT status, lease_owner FROM runs WHERE run_id = $1", [
      runId,
    ]);
    expect(released.rows[0]).toMatchObject({ status: "pending", lease_owner: null });
    expect(
      (await db.query("SELECT status FROM threads WHERE thread_id = $1", [threadId])).rows[0],
    ).toMatchObject({ status: "busy" });

    const second = await start();
    await expectResumed(second.client, threadId, runId);
    await second.server.stop();
  }, 90_000);
});
