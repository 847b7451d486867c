/**
 * Crons across processes on one PostgreSQL database: two servers race for every tick and exactly
 * one run is created per tick; a tick missed while every replica was down fires once (the latest
 * missed tick), not once per missed tick.
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

const pgUp = await postgresAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type TickRow = { cron_id: string; tick: string; n: number };

describe.runIf(pgUp)("crons on several replicas (postgres)", () => {
  let databaseUrl: string;
  let db: pg.Client;
  const servers: TestServer[] = [];
  // B of the first test, still up: the second test's first server (it only creates a cron and
  // stops; any server of the database does), one start of ~6 CPU-s fewer.
  let spare: { server: TestServer; client: Client } | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_crons");
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    for (const s of servers) await s.stop("SIGKILL").catch(() => {});
    await db.end().catch(() => {});
    await dropTestDatabase(databaseUrl);
  });

  const start = async () => {
    const server = await startServer({ backend: "postgres", databaseUrl });
    servers.push(server);
    return { server, client: new Client({ apiUrl: server.url }) };
  };

  /** Runs per (cron, tick) straight from the database. */
  async function ticks(cronIds: string[]): Promise<TickRow[]> {
    const { rows } = await db.query<TickRow>(
      `SELECT metadata->>'cron_id' AS cron_id, metadata->>'cron_tick' AS tick, count(*)::int AS n
       FROM runs WHERE metadata->>'cron_id' = ANY($1) GROUP BY 1, 2 ORDER BY 2`,
      [cronIds],
    );
    return rows;
  }

  it("two servers sharing the database create exactly one run per tick", async () => {
    const a = await start();
    const b = await start();
    const thread = await a.client.threads.create();
    const threadCron = await a.client.crons.createForThread(thread.thread_id, "runs_steps", {
      schedule: "* * * * * *",
      input: { delay_ms: 1 },
    });
    const statelessCron = await b.client.crons.create("runs_steps", {
      schedule: "* * * * * *",
      input: { delay_ms: 1 },
      onRunCompleted: "keep",
    });
    const ids = [threadCron.cron_id, statelessCron.cron_id];
    await sleep(8000);
    // Paused through the other replica: its NOTIFY reaches both schedulers.
    await b.client.crons.update(threadCron.cron_id, { enabled: false });
    await a.client.crons.update(statelessCron.cron_id, { enabled: false });
    await sleep(1500);

    const rows = await ticks(ids);
    for (const row of rows) expect(row.n, `${row.cron_id} @ ${row.tick}`).toBe(1);
    for (const id of ids) {
      const mine = rows.filter((r) => r.cron_id === id).map((r) => Date.parse(r.tick));
      expect(mine.length).toBeGreaterThanOrEqual(5);
      for (const t of mine) expect(t % 1000).toBe(0);
      // Ticks are whole seconds; a loaded machine may skip a few, never most.
      const span = (mine.at(-1)! - mine[0]!) / 1000 + 1;
      expect(mine.length).toBeGreaterThanOrEqual(Math.floor(span * 0.5));
    }
    // Every "cron fired" log line across both servers is one of these runs, none duplicated.
    const fired = (s: TestServer) => s.logs.filter((l) => l.includes('"cron fired"')).length;
    const total = rows.reduce((sum, r) => sum + r.n, 0);
    expect(fired(a.server) + fired(b.server)).toBe(total);
    console.info(`ticks fired by A: ${fired(a.server)}, by B: ${fired(b.server)}`);

    // Let the last ticks' runs finish (the machine may be loaded), then none may have failed.
    const count = async (where: string) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM runs WHERE metadata->>'cron_id' = ANY($1) AND ${where}`,
          [ids],
        )
      ).rows[0]!.n;
    for (let i = 0; i < 60 && (await count("status IN ('pending', 'running')")) > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await count("status <> 'success'")).toBe(0);
    await a.server.stop();
    spare = b;
  }, 120_000);

  it("a tick missed while every replica was down fires once, for the latest missed tick", async () => {
    const first = spare ?? (await start());
    spare = undefined;
    const thread = await first.client.threads.create();
    const cron = await first.client.crons.createForThread(thread.thread_id, "runs_steps", {
      schedule: "* * * * *", // every minute
      input: { delay_ms: 1 },
    });
    await first.server.stop();
    // Every replica is down; the cron has been due for an hour (60 missed ticks).
    await db.query(
      `UPDATE crons SET next_run_at = date_trunc('minute', now()) - interval '1 hour' WHERE cron_id = $1`,
      [cron.cron_id],
    );

    const second = await start();
    const rows = await poll(async () => {
      const found = await ticks([cron.cron_id]);
      return found.length > 0 ? found : undefined;
    }, 10_000);
    await sleep(1000); // a catch-up per missed tick would show up here
    const all = await ticks([cron.cron_id]);
    const firedTick = Date.parse(rows[0]!.tick);
    const { rows: created } = await db.query<{ created_at: Date }>(
      `SELECT created_at FROM runs WHERE metadata->>'cron_id' = $1 ORDER BY created_at LIMIT 1`,
      [cron.cron_id],
    );
    const firedAt = created[0]!.created_at.getTime();
    // The latest tick at or before the restart, i.e. the minute the run was created in.
    expect(firedTick).toBe(Math.floor(firedAt / 60_000) * 60_000);
    expect(all.filter((r) => Date.parse(r.tick) <= firedTick)).toEqual([
      { cron_id: cron.cron_id, tick: rows[0]!.tick, n: 1 },
    ]);
    const [after] = await second.client.crons.search({ threadId: thread.thread_id });
    expect(Date.parse(after!.next_run_date!)).toBeGreaterThan(firedTick);
    expect(Date.parse(after!.next_run_date!) % 60_000).toBe(0);
    await second.server.stop();
  }, 120_000);
});
