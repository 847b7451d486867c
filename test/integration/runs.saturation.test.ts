/**
 * A saturated server loses no run: on each networked engine (PostgreSQL, MariaDB, when reachable)
 * and in both executor modes of role `all` (its executor thread, the default, and
 * `OLG_EMBEDDED_EXECUTOR=main`), more runs than run slots and connections arrive at once, are
 * cancelled at once and waited for at once, and every one ends: the cancelled ones `interrupted`,
 * the waited ones `success` with all their steps, none left `pending` or `running`, and the server
 * still answers a new run at once afterwards. On MariaDB each of these statements sends an emulated
 * NOTIFY (`src/storage/mysql/returning.ts`); while one waited for a second connection of the pool
 * it held, the pool deadlocked (every run after stuck, leases never swept), which is the kind this
 * file keeps out on every engine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mariadbAvailable } from "../support/mariadb.ts";
import { until } from "../support/poll.ts";
import {
  type BackendName,
  backendWanted,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";

const pgUp = backendWanted("postgres") && (await postgresAvailable());
const mariaUp = backendWanted("mariadb", "postgres,mariadb") && (await mariadbAvailable());
if (!pgUp) console.warn("[skip] PostgreSQL unreachable: run saturation without it");
if (!mariaUp) console.warn("[skip] MariaDB unreachable: run saturation without it");

interface Variant {
  name: string;
  backend: BackendName;
  thread: boolean;
}

const variants: Variant[] = [
  ...(pgUp
    ? [
        { name: "postgres, executor thread", backend: "postgres" as const, thread: true },
        { name: "postgres, executor main", backend: "postgres" as const, thread: false },
      ]
    : []),
  ...(mariaUp
    ? [
        { name: "mariadb, executor thread", backend: "mariadb" as const, thread: true },
        { name: "mariadb, executor main", backend: "mariadb" as const, thread: false },
      ]
    : []),
];

/** More than the run slots (at most 8 here) and the connections (10) of one process. */
const CANCELLED = 16;
const WAITED = 30;

const call = async (url: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

describe.each(variants)("a saturated server on $name", (variant) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      backend: variant.backend,
      executorThread: variant.thread,
      env: variant.thread ? {} : { OLG_EMBEDDED_EXECUTOR: "main" },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const thread = async () => (await call(server.url, "/threads", {})).body.thread_id as string;

  it("ends every run when more runs than slots and connections are created, cancelled and waited for at once", async () => {
    const listening = server.logs.find((l) => l.includes('"server listening"')) ?? "";
    expect(listening).toContain(variant.thread ? '"executor":"thread"' : '"executor":"main"');
    const threads = await Promise.all(Array.from({ length: CANCELLED + WAITED }, thread));
    const slow = threads.slice(0, CANCELLED);
    const created = await Promise.all(
      slow.map((t) =>
        call(server.url, `/threads/${t}/runs`, {
          assistant_id: "runs_steps",
          input: { delay_ms: 5000 },
        }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(slow.map(() => 200));
    // All cancels at once, and all waits at once beside them.
    const [cancels, waits] = await Promise.all([
      Promise.all(
        created.map((c, i) =>
          call(server.url, `/threads/${slow[i]}/runs/${c.body.run_id}/cancel`, {}),
        ),
      ),
      Promise.all(
        threads.slice(CANCELLED).map((t) =>
          call(server.url, `/threads/${t}/runs/wait`, {
            assistant_id: "runs_steps",
            input: { delay_ms: 20 },
          }),
        ),
      ),
    ]);
    expect(new Set(cancels.map((c) => c.status))).toEqual(new Set([202]));
    expect(waits.map((w) => w.status)).toEqual(waits.map(() => 200));
    for (const w of waits) expect(w.body.visits).toHaveLength(4);
    // Every cancelled run ends as one.
    const statuses = async () =>
      Promise.all(
        created.map(
          async (c, i) =>
            (await call(server.url, `/threads/${slow[i]}/runs/${c.body.run_id}`)).body.status,
        ),
      );
    await until(async () => (await statuses()).every((s) => s === "interrupted"), 30_000).catch(
      () => {},
    );
    expect(await statuses()).toEqual(slow.map(() => "interrupted"));
    // Nothing is left claimed or queued, and a new run ends at once.
    const t = await thread();
    const started = Date.now();
    const after = await call(server.url, `/threads/${t}/runs/wait`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 1 },
    });
    expect(after.status).toBe(200);
    expect(after.body.visits).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 180_000);
});
