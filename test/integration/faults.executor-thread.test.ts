/**
 * A dead executor thread (role `all`, `src/server/executor-thread.ts`): a graph node kills the
 * thread running it (an uncaught error thrown from a timer, as a bug in graph code would). The
 * HTTP thread requeues the runs the dead thread held at once (by its lease owner id) and starts a
 * new thread, which resumes them from their last checkpoint at once: a `runs/join` client gets the
 * result seconds after the new thread started (its start-up is most of the wait, seconds on a
 * loaded machine), not once the 30 s lease expired; no step that completed and was checkpointed
 * runs again (each completed step appends to a trace file, across threads and attempts). A second
 * run in flight on the same thread, that did nothing wrong, is resumed the same way. On
 * PostgreSQL, PostgreSQL + Redis and MariaDB (each when reachable; before the fix they waited for
 * the lease), and on the single-process engines PGlite and SQLite (whose new thread also requeues
 * every running run at its start).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { mariadbAvailable } from "../support/mariadb.ts";
import { poll } from "../support/poll.ts";
import {
  type BackendName,
  backendWanted,
  postgresAvailable,
  REDIS_TEST_URL,
  startServer,
  type TestServer,
} from "../support/server.ts";

type Steps = { visits: string[] };

const pgUp = backendWanted("postgres") && (await postgresAvailable());
const redisUp = pgUp && (await redisPing(REDIS_TEST_URL));
const mariaUp = backendWanted("mariadb", "postgres,mariadb") && (await mariadbAvailable());
if (!pgUp) console.warn("[skip] PostgreSQL unreachable: dead executor thread test without it");
if (!redisUp) console.warn("[skip] Redis unreachable: dead executor thread test without it");
if (!mariaUp) console.warn("[skip] MariaDB unreachable: dead executor thread test without it");

interface Variant {
  name: string;
  backend: BackendName;
  env: Record<string, string>;
}

const variants: Variant[] = [
  ...(backendWanted("pglite") ? [{ name: "pglite", backend: "pglite" as const, env: {} }] : []),
  ...(pgUp ? [{ name: "postgres", backend: "postgres" as const, env: {} }] : []),
  ...(redisUp
    ? [{ name: "postgres+redis", backend: "postgres" as const, env: { REDIS_URL: REDIS_TEST_URL } }]
    : []),
  ...(mariaUp ? [{ name: "mariadb", backend: "mariadb" as const, env: {} }] : []),
  // In process: its executor thread's statements cross a port to the HTTP thread's connection.
  ...(backendWanted("sqlite", "postgres,mariadb,sqlite")
    ? [{ name: "sqlite", backend: "sqlite" as const, env: {} }]
    : []),
];

const STEPS = ["s1", "s2", "s3", "s4"];

/** When the server logged `msg` (epoch ms), in order. */
function logTimes(server: TestServer, msg: string): number[] {
  return server.logs.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as { msg?: string; time?: number };
      return parsed.msg === msg && typeof parsed.time === "number" ? [parsed.time] : [];
    } catch {
      return [];
    }
  });
}
const LEASE_SECONDS = 30;

describe.each(variants)("a dead executor thread on $name", (variant) => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "olg-executor-crash-"));
    server = await startServer({
      backend: variant.backend,
      startTimeoutMs: 300_000,
      env: {
        ...variant.env,
        OLG_EMBEDDED_EXECUTOR: "thread",
        OLG_RUN_LEASE_SECONDS: String(LEASE_SECONDS),
      },
    });
  }, 320_000);

  afterAll(async () => {
    await server?.stop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("its runs are resumed by the new thread at once, each completed step run once", async () => {
    const client = new Client({ apiUrl: server.url, timeoutMs: 120_000 });
    const crashing = path.join(dir, "crashing");
    const bystander = path.join(dir, "bystander");
    const [a, b] = await Promise.all([client.threads.create(), client.threads.create()]);
    // B is in flight (0.5 s steps) when A's third step kills the thread that runs both.
    const runB = await client.runs.create(b.thread_id, "runs_steps", {
      input: { delay_ms: 500, crash_file: bystander },
    });
    const runA = await client.runs.create(a.thread_id, "runs_steps", {
      input: { delay_ms: 300, crash_at: "s3", crash_file: crashing },
    });
    const [joinedA, joinedB] = await Promise.all([
      client.runs.join(a.thread_id, runA.run_id) as Promise<Steps>,
      client.runs.join(b.thread_id, runB.run_id) as Promise<Steps>,
    ]);
    const ended = Date.now();
    // From the moment A's step killed the thread (it wrote the file just before), and from the
    // moment the new thread ran (its start-up takes seconds on a loaded machine).
    const took = ended - statSync(crashing).mtimeMs;
    const started = logTimes(server, "run executor thread started");
    expect(started, "a second executor thread started").toHaveLength(2);
    const afterRestart = ended - started[1]!;
    console.info(
      `${variant.name}: both runs ended ${Math.round(took)} ms after the thread died, ${afterRestart} ms after the new one started`,
    );
    expect(logTimes(server, "run executor thread stopped; starting it again")).toHaveLength(1);
    expect(joinedA.visits).toEqual(STEPS);
    expect(joinedB.visits).toEqual(STEPS);
    // Nothing was redone as a whole: each step completed once, but for the one B was in when the
    // thread died (it may have completed without its checkpoint: at-least-once per step).
    const trace = (file: string) => readFileSync(`${file}.trace`, "utf8").trim().split("\n");
    expect(trace(crashing)).toEqual(STEPS);
    const steps = trace(bystander);
    expect([...new Set(steps)]).toEqual(STEPS);
    expect(steps.length, steps.join()).toBeLessThanOrEqual(STEPS.length + 1);
    for (const [thread, run] of [
      [a.thread_id, runA.run_id],
      [b.thread_id, runB.run_id],
    ] as const) {
      expect((await client.runs.get(thread, run)).status).toBe("success");
      expect(await client.runs.list(thread)).toHaveLength(1);
      const t = await poll(async () => {
        const got = await client.threads.get(thread);
        return got.status === "idle" ? got : undefined;
      }, 5000);
      expect((t.values as Steps).visits).toEqual(STEPS);
    }
    // The new thread took the runs at once (their last steps take 0.6 and at most 1.5 s), not
    // once their leases expired (20-30 s after the death: renewed every 10 s).
    expect(afterRestart, `runs ended ${afterRestart} ms after the restart`).toBeLessThan(5000);
    expect(took, `runs ended ${took} ms after the crash`).toBeLessThan(LEASE_SECONDS * 1000);
  }, 120_000);
});
