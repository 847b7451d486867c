/**
 * A server on the CockroachDB engine sends no `pg_notify` to its database: CockroachDB has no
 * LISTEN/NOTIFY and no such function (cockroachdb/cockroach#41522), so every wake-up must travel
 * through the polled `olg_notifications` table (or Redis). No CockroachDB server runs here: the
 * engine is forced on PostgreSQL with `?engine=cockroachdb` (docs/databases.md), and a PostgreSQL
 * LISTEN on every channel of ours hears any `pg_notify` that reached the server. Runs waited for,
 * streamed (every event notifies), cancelled, and a cron fired all go through while it hears
 * nothing; the control notification shows it would.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL_CRONS } from "../../src/crons/service.ts";
import { CHANNEL_CANCEL, CHANNEL_DONE, CHANNEL_WAKE } from "../../src/runs/queue.ts";
import { CHANNEL_RUN_EVENTS } from "../../src/stream/sql-log-changes.ts";
import { until } from "../support/poll.ts";
import {
  backendWanted,
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";

const up = backendWanted("postgres") && (await postgresAvailable());
if (!up) console.warn("[skip] PostgreSQL unreachable: the CockroachDB engine's wake-ups not run");

const CHANNELS = [CHANNEL_WAKE, CHANNEL_CANCEL, CHANNEL_DONE, CHANNEL_RUN_EVENTS, CHANNEL_CRONS];

const call = async (url: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, text };
};

describe.runIf(up)("a server on the CockroachDB engine", () => {
  let databaseUrl: string;
  let server: TestServer;
  let listener: pg.Client;
  const heard: string[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_crdb");
    server = await startServer({
      backend: "postgres",
      databaseUrl: `${databaseUrl}?engine=cockroachdb`,
      executorThread: true,
    });
    listener = new pg.Client({ connectionString: databaseUrl });
    await listener.connect();
    listener.on("notification", (n) => heard.push(n.channel));
    for (const channel of CHANNELS) await listener.query(`LISTEN ${channel}`);
  });
  afterAll(async () => {
    await listener?.end().catch(() => {});
    await server?.stop();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it("runs, streams, cancels and fires crons without one pg_notify reaching the database", async () => {
    expect((await call(server.url, "/metrics")).text).toContain('backend="cockroachdb"');
    const thread = async () =>
      JSON.parse((await call(server.url, "/threads", {})).text).thread_id as string;
    const [t1, t2, t3] = await Promise.all([thread(), thread(), thread()]);
    const waited = await call(server.url, `/threads/${t1}/runs/wait`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 10 },
    });
    expect(waited.status).toBe(200);
    expect(JSON.parse(waited.text).visits).toHaveLength(4);
    const streamed = await call(server.url, `/threads/${t2}/runs/stream`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 10 },
      stream_mode: ["values", "updates"],
    });
    expect(streamed.status).toBe(200);
    expect(streamed.text.match(/event: updates/g)?.length).toBe(4);
    const slow = JSON.parse(
      (
        await call(server.url, `/threads/${t3}/runs`, {
          assistant_id: "runs_steps",
          input: { delay_ms: 5000 },
        })
      ).text,
    );
    expect((await call(server.url, `/threads/${t3}/runs/${slow.run_id}/cancel`, {})).status).toBe(
      202,
    );
    await until(
      async () =>
        JSON.parse((await call(server.url, `/threads/${t3}/runs/${slow.run_id}`)).text).status ===
        "interrupted",
      20_000,
    );
    const cron = await call(server.url, `/runs/crons`, {
      assistant_id: "runs_steps",
      schedule: "* * * * *",
      input: { delay_ms: 1 },
    });
    expect(cron.status).toBe(200);
    // The control: a pg_notify that does reach the database is heard.
    await listener.query(`SELECT pg_notify('${CHANNEL_WAKE}', 'control')`);
    await until(() => heard.length > 0, 5000);
    expect(heard).toEqual([CHANNEL_WAKE]);
  }, 120_000);
});
