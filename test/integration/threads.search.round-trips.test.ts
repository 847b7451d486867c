/**
 * SQL round trips of `POST /threads/search` and `POST /assistants/search` on PostgreSQL (issue 24,
 * goal 2: metadata reads).
 * A page and its total (`X-Pagination-Total`) come from one statement: the total rides on each
 * row as a window count, and only a page past the last row (no row to carry it) asks again.
 * The server runs in process on a fresh database behind a counting TCP proxy (`pg-counter.ts`);
 * on failure the statements are shown.
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
if (!available) console.warn("\n*** PostgreSQL is not reachable: search round trips not run ***\n");

const N = 20;
const SWEEP = [
  TIMER_STATEMENTS.requeue,
  TIMER_STATEMENTS.repair,
  TIMER_STATEMENTS.wakeClaim,
  ...TIMER_STATEMENTS.cronPoll,
];

describe.runIf(available)("SQL round trips per thread search (PostgreSQL)", () => {
  let databaseUrl: string;
  let counter: PgCounter;
  let server: RunningServer;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_search_trips");
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

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  /** Round trips per search of `body` over N searches, and the last answer. */
  async function tripsOf(body: unknown, path = "/threads/search") {
    await quiet(counter, databaseUrl);
    counter.reset();
    let last: Response | undefined;
    for (let i = 0; i < N; i++) {
      last = await post(path, body);
      expect(last.status).toBe(200);
      await last.clone().arrayBuffer();
    }
    await quiet(counter, databaseUrl);
    const trips = counter.trips().filter((t) => !SWEEP.some((re) => re.test(t)));
    return { perSearch: trips.length / N, trips, last: last! };
  }

  it("a metadata search of one page takes one round trip, with its total", async () => {
    for (let i = 0; i < 15; i++)
      expect((await post("/threads", { metadata: { trips: "yes", i, odd: i % 2 } })).status).toBe(
        200,
      );
    const { perSearch, trips, last } = await tripsOf({
      metadata: { trips: "yes", odd: 1 },
      limit: 3,
    });
    expect(perSearch, trips.slice(0, 10).join("\n")).toBe(1);
    expect(last.headers.get("x-pagination-total")).toBe("7");
    expect(last.headers.get("x-pagination-next")).toBe("3");
    expect(((await last.json()) as unknown[]).length).toBe(3);
  });

  it("a page past the end still reports the total (a second round trip only then)", async () => {
    const { perSearch, last } = await tripsOf({ metadata: { trips: "yes" }, limit: 5, offset: 40 });
    expect(perSearch).toBeLessThanOrEqual(2);
    expect(last.headers.get("x-pagination-total")).toBe("15");
    expect(last.headers.get("x-pagination-next")).toBeNull();
    expect(await last.json()).toEqual([]);
  });

  it("an assistant search of one page takes one round trip, with its total", async () => {
    for (let i = 0; i < 15; i++) {
      const res = await post("/assistants", {
        graph_id: "runs_steps",
        metadata: { trips: "yes", i, odd: i % 2 },
      });
      expect(res.status).toBe(200);
    }
    const body = { metadata: { trips: "yes", odd: 1 }, limit: 3 };
    const { perSearch, trips, last } = await tripsOf(body, "/assistants/search");
    expect(perSearch, trips.slice(0, 10).join("\n")).toBe(1);
    expect(last.headers.get("x-pagination-total")).toBe("7");
    expect(((await last.json()) as unknown[]).length).toBe(3);
    const past = await tripsOf({ ...body, offset: 40 }, "/assistants/search");
    expect(past.perSearch).toBeLessThanOrEqual(2);
    expect(past.last.headers.get("x-pagination-total")).toBe("7");
    expect(await past.last.json()).toEqual([]);
  });
});
