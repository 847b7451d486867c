/**
 * SQL round trips of a stateless `POST /runs/wait` on PostgreSQL (issue 24, goal 1: at most 8).
 * The server runs in process on a fresh database reached through a counting TCP proxy
 * (`pg-counter.ts`): what is counted is what crosses the wire, including what the run does after
 * the answer (its end, its temporary thread). Runs go one after another, 20 of them; what runs on
 * a timer, not per run (the queue's sweep every 2 s, the cron poll) is left out of the count. On failure the statements
 * are shown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/main.ts";
import { type PgCounter, quiet, startPgCounter, TIMER_STATEMENTS } from "../support/pg-counter.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  ROOT,
} from "../support/server.ts";

const available = await postgresAvailable();
if (!available) console.warn("\n*** PostgreSQL is not reachable: round-trip count not run ***\n");

const RUNS = 20;

/**
 * The queue's safety sweep (every 2 s, not per run): requeue expired leases, repair busy threads,
 * then one wake-up whose claim of "any queued run" finds none. Runs themselves are claimed by id
 * (`r.run_id = $n`), so as many claims without an id as sweeps ran are the sweeps'.
 */
const SWEEP = [TIMER_STATEMENTS.requeue, TIMER_STATEMENTS.repair, ...TIMER_STATEMENTS.cronPoll];
const ANY_CLAIM = /SKIP LOCKED/;
const BY_ID = /r\.run_id = \$\d/;
function perRunTrips(trips: string[]): string[] {
  // One wake-up claim per sweep, plus one for a sweep the window's start cut after its claim.
  const count = (re: RegExp) => trips.filter((t) => re.test(t)).length;
  let sweepClaims = Math.max(count(SWEEP[0]!), count(SWEEP[1]!)) + 1;
  return trips.filter((t) => {
    if (SWEEP.some((re) => re.test(t))) return false;
    if (sweepClaims > 0 && ANY_CLAIM.test(t) && !BY_ID.test(t)) {
      sweepClaims--;
      return false;
    }
    return true;
  });
}

describe.runIf(available)("SQL round trips per run (PostgreSQL)", () => {
  let databaseUrl: string;
  let counter: PgCounter;
  let server: RunningServer;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_trips");
    counter = await startPgCounter(databaseUrl);
    const settings = loadSettings(
      "serve",
      {
        config: `${ROOT}/test/fixtures/encryption/open_langgraph.json`,
        port: 0,
        host: "127.0.0.1",
        logLevel: "warn",
      },
      { PATH: process.env.PATH, DATABASE_URL: counter.url },
      ROOT,
    );
    settings.warmSchemas = false;
    server = await startServer(settings, createLogger({ level: "warn", pretty: false }));
  }, 90_000);

  afterAll(async () => {
    await server?.close();
    await counter?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const wait = (body: unknown, path = "/runs/wait") =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("a stateless runs/wait takes at most 8 round trips", async () => {
    const body = { assistant_id: "runs_steps", input: { delay_ms: 0 } };
    // Warm-up: first use of the assistant and of the done signal's LISTEN, on each thread of
    // role all (the HTTP thread and the executor thread each have their own connections).
    for (let i = 0; i < 2; i++) expect((await wait(body)).status).toBe(200);
    await quiet(counter, databaseUrl);
    counter.reset();
    for (let i = 0; i < RUNS; i++) {
      const res = await wait(body);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { visits: string[] }).visits).toHaveLength(4);
    }
    await quiet(counter, databaseUrl);
    const trips = perRunTrips(counter.trips());
    const perRun = trips.length / RUNS;
    const kinds = new Map<string, number>();
    for (const t of trips) {
      const k = t.replace(/\s+/g, " ").trim().slice(0, 70);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    console.info(`stateless runs/wait: ${perRun.toFixed(2)} round trips per run`, kinds);
    expect(perRun, trips.slice(0, 40).join("\n")).toBeLessThanOrEqual(8);
  });

  it("reports the round trips of a run on a thread (checkpoints written)", async () => {
    const created = await fetch(`${server.url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const text = await created.text();
    expect(created.status, text).toBe(200);
    const thread = JSON.parse(text) as { thread_id: string };
    const body = { assistant_id: "runs_steps", input: { delay_ms: 0 } };
    const first = await wait(body, `/threads/${thread.thread_id}/runs/wait`);
    expect(first.status, await first.clone().text()).toBe(200);
    await quiet(counter, databaseUrl);
    counter.reset();
    expect((await wait(body, `/threads/${thread.thread_id}/runs/wait`)).status).toBe(200);
    await quiet(counter, databaseUrl);
    const trips = perRunTrips(counter.trips());
    // Checkpoint writes (and their fence check) belong to the checkpointer; the runs engine's own
    // statements (create, claim, finish: those naming the runs or threads table) stay few.
    const engine = trips.filter(
      (t) => /\b(runs|threads)\b/.test(t) && !/\bfor share\b/i.test(t) && !/checkpoint/.test(t),
    );
    console.info(
      `stateful runs/wait (4 steps): ${trips.length} round trips, ${engine.length} of the runs engine`,
    );
    expect(engine.length, engine.join("\n")).toBeLessThanOrEqual(8);
  });
});
