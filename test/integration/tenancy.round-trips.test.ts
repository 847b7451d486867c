/**
 * SQL round trips per request with tenancy on vs off (issue 19, the cost of tenancy): the same
 * requests (`GET /assistants/:id`, `POST /threads/search`, an audited `PATCH /threads/:id`, a
 * stateless `POST /runs/wait`) against
 * two in-process servers on fresh PostgreSQL databases, each behind a counting TCP proxy
 * (`pg-counter.ts`). With a warm key cache and one org, tenancy adds no statement: the org is set
 * once per pooled connection, keys are cached, reads write no audit record. Pinned so it cannot
 * regress; on failure the statements are shown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/main.ts";
import { type PgCounter, quiet, startPgCounter } from "../support/pg-counter.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  ROOT,
} from "../support/server.ts";
import { olgJson } from "../support/tenancy.ts";

const available = await postgresAvailable();
if (!available)
  console.warn("\n*** PostgreSQL is not reachable: tenancy round trips not run ***\n");

const N = 20;
/**
 * The org switch of a pooled connection (`set_config`): not per request, only when a connection
 * last served other work (the queue's background statements run in the system org `*`). Counted
 * apart: at most {@link MAX_SWITCHES} per request.
 */
const SWITCH = /set_config\('app\.org_id'|set_config\('role'/;
const MAX_SWITCHES = 0.5;
/** The queue's safety sweep (every 2 s, not per request). */
const SWEEP = [/"lease_expires_at" < now\(\)/, /^\s*update "?threads"? as "?t"? set/i];

interface Side {
  databaseUrl: string;
  counter: PgCounter;
  server: RunningServer;
  headers: Record<string, string>;
}

async function side(tenancy: boolean): Promise<Side> {
  const databaseUrl = await createTestDatabase("olg_ten_trips");
  const config = tenancy
    ? "test/fixtures/tenancy/open_langgraph.json"
    : "test/fixtures/tenancy/open_langgraph.off.json";
  let headers: Record<string, string> = {};
  if (tenancy) {
    const { key } = await olgJson(["keys", "create", "--org", "default", "--role", "admin"], {
      databaseUrl,
    });
    headers = { "x-api-key": key };
  }
  const counter = await startPgCounter(databaseUrl);
  const settings = loadSettings(
    "serve",
    { config: `${ROOT}/${config}`, port: 0, host: "127.0.0.1", logLevel: "warn" },
    { PATH: process.env.PATH, DATABASE_URL: counter.url },
    ROOT,
  );
  settings.warmSchemas = false;
  const server = await startServer(settings, createLogger({ level: "warn", pretty: false }));
  return { databaseUrl, counter, server, headers };
}

describe.runIf(available)("SQL round trips per request, tenancy on vs off (PostgreSQL)", () => {
  const sides: Partial<Record<"off" | "on", Side>> = {};

  beforeAll(async () => {
    sides.off = await side(false);
    sides.on = await side(true);
  }, 180_000);

  afterAll(async () => {
    for (const s of Object.values(sides)) {
      await s?.server.close();
      await s?.counter.close();
      if (s) await dropTestDatabase(s.databaseUrl);
    }
  });

  async function count(s: Side, send: () => Promise<Response>): Promise<[number, string[]]> {
    // Warm-up: the key cache, the assistant cache, the done signal's LISTEN.
    for (let i = 0; i < 2; i++) expect((await send()).status).toBe(200);
    await quiet(s.counter, s.databaseUrl);
    s.counter.reset();
    for (let i = 0; i < N; i++) {
      const res = await send();
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await quiet(s.counter, s.databaseUrl);
    const trips = s.counter.trips().filter((t) => !SWEEP.some((re) => re.test(t)));
    return [trips.filter((t) => !SWITCH.test(t)).length / N, trips];
  }

  const call = (s: Side, method: string, path: string, body?: unknown) => () =>
    fetch(`${s.server.url}${path}`, {
      method,
      headers: { ...s.headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const routes: [string, (s: Side) => Promise<() => Promise<Response>>][] = [
    [
      "GET /assistants/:id",
      async (s) => {
        const a = (await (
          await call(s, "POST", "/assistants", { graph_id: "agent" })()
        ).json()) as {
          assistant_id: string;
        };
        return call(s, "GET", `/assistants/${a.assistant_id}`);
      },
    ],
    ["POST /threads/search", async (s) => call(s, "POST", "/threads/search", { limit: 10 })],
    [
      // An audited update: its record rides in the UPDATE's own statement (a CTE), no BEGIN/COMMIT.
      "PATCH /threads/:id",
      async (s) => {
        const t = (await (await call(s, "POST", "/threads", {})()).json()) as { thread_id: string };
        return call(s, "PATCH", `/threads/${t.thread_id}`, { metadata: { n: 1 } });
      },
    ],
    [
      "POST /runs/wait",
      async (s) =>
        call(s, "POST", "/runs/wait", { assistant_id: "runs_steps", input: { delay_ms: 0 } }),
    ],
  ];

  for (const [route, prepare] of routes)
    it(`${route}: tenancy adds no round trip`, async () => {
      const [off, offTrips] = await count(sides.off!, await prepare(sides.off!));
      const [on, onTrips] = await count(sides.on!, await prepare(sides.on!));
      const switches = onTrips.filter((t) => SWITCH.test(t)).length / N;
      console.info(
        `${route}: ${off.toFixed(2)} round trips off, ${on.toFixed(2)} on (+ ${switches.toFixed(2)} org switches)`,
      );
      const shown = `on:\n${onTrips.slice(0, 60).join("\n")}\n\noff:\n${offTrips.slice(0, 30).join("\n")}`;
      // Whatever tenancy added per request would add 1 (a key lookup, an audit transaction's
      // BEGIN/INSERT/COMMIT, an org lookup); fractions are background work landing in the window.
      expect(on, shown).toBeLessThan(off + 0.5);
      expect(switches, shown).toBeLessThanOrEqual(MAX_SWITCHES);
    }, 120_000);
});
