/**
 * Role `all` on a networked database (`DATABASE_URL`, the public `olg serve` contract) runs graphs
 * in its executor thread (`src/server/executor-split.ts`), never on the HTTP thread: while graph
 * nodes busy-loop for seconds `/ok` p99 stays under 1 s beyond what the machine itself adds (a
 * bare Node server probed at the same time). On PostgreSQL, PostgreSQL + Redis and MariaDB (each
 * when reachable) and SQLite (its one connection shared by both threads). The opt-out (`OLG_EMBEDDED_EXECUTOR=main`) is checked to hold `/ok` for a
 * whole busy step, so the probe measures what it claims. Metadata the HTTP thread caches (Redis)
 * stays fresh after the executor thread's writes: the thread a run finished reads `idle` at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { mariadbAvailable } from "../support/mariadb.ts";
import {
  type BackendName,
  backendWanted,
  postgresAvailable,
  REDIS_TEST_URL,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { listeningLine, postJson as post, probeDuring } from "../support/stall.ts";

const pgUp = backendWanted("postgres") && (await postgresAvailable());
const redisUp = pgUp && (await redisPing(REDIS_TEST_URL));
const mariaUp = backendWanted("mariadb", "postgres,mariadb") && (await mariadbAvailable());
// SQLite is in process (better-sqlite3, a dev dependency): the executor thread uses the HTTP
// thread's one connection over a port (src/storage/sqlite/port-host.ts).
const sqliteOn = backendWanted("sqlite", "postgres,mariadb,sqlite");
if (!pgUp) console.warn("[skip] PostgreSQL unreachable: executor-thread stall test without it");
if (!mariaUp) console.warn("[skip] MariaDB unreachable: executor-thread stall test without it");

interface Variant {
  name: string;
  backend: BackendName;
  env: Record<string, string>;
}

const variants: Variant[] = [
  ...(pgUp ? [{ name: "postgres", backend: "postgres" as const, env: {} }] : []),
  ...(redisUp
    ? [{ name: "postgres+redis", backend: "postgres" as const, env: { REDIS_URL: REDIS_TEST_URL } }]
    : []),
  ...(mariaUp ? [{ name: "mariadb", backend: "mariadb" as const, env: {} }] : []),
  ...(sqliteOn ? [{ name: "sqlite", backend: "sqlite" as const, env: {} }] : []),
];

/**
 * Every server of the file, booted at once on first use: the file runs alone (the timing
 * project), so both cores are free and one boot after another left one idle. The thread variants
 * get the default configuration: no executor setting, not even one inherited from this shell.
 */
let booting: Promise<Map<string, TestServer>> | undefined;
function booted(key: string): Promise<TestServer> {
  booting ??= (async () => {
    const inherited = process.env.OLG_EMBEDDED_EXECUTOR;
    delete process.env.OLG_EMBEDDED_EXECUTOR;
    const keys = variants.map((v) => v.name);
    const started = await Promise.allSettled([
      ...variants.map((v) =>
        startServer({ backend: v.backend, env: { ...v.env }, executorThread: true }),
      ),
    ]);
    if (inherited != null) process.env.OLG_EMBEDDED_EXECUTOR = inherited;
    const servers = new Map<string, TestServer>();
    started.forEach((r, i) => {
      if (r.status === "fulfilled") servers.set(keys[i]!, r.value);
    });
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await Promise.all([...servers.values()].map((server) => server.stop().catch(() => {})));
      throw failed.reason;
    }
    return servers;
  })();
  return booting.then((servers) => servers.get(key)!);
}

afterAll(async () => {
  const servers = await booting?.catch(() => undefined);
  await Promise.all([...(servers?.values() ?? [])].map((server) => server.stop().catch(() => {})));
}, 120_000);

describe.each(variants)("role all on $name: graphs run in the executor thread", (variant) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await booted(variant.name);
  }, 180_000);

  it("/ok p99 stays under 1 s while graph nodes busy-loop for seconds", async () => {
    expect(listeningLine(server)).toContain('"executor":"thread"');
    const started = Date.now();
    let runs: { status: number; body: { visits?: string[] } }[] = [];
    const m = await probeDuring(server.url, async () => {
      // A run of four steps, each computing 1 s without awaiting: 4 s of CPU on the executor
      // thread (this file runs alone, last: each second here is a second of CI).
      runs = await Promise.all(
        [1].map(() =>
          post(server.url, "/runs/wait", {
            assistant_id: "runs_steps",
            input: { delay_ms: 1, busy_ms: 1000 },
          }),
        ),
      );
    });
    const elapsed = Date.now() - started;
    for (const { status, body } of runs) {
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.visits).toEqual(["s1", "s2", "s3", "s4"]);
    }
    expect(elapsed).toBeGreaterThanOrEqual(4000); // the nodes really computed
    console.info(
      `${variant.name} busy graph: /ok p99 ${m.worst.toFixed(0)} ms, max ${m.max.toFixed(0)} ms over ${m.n}; runs took ${elapsed} ms; bare server p99 ${m.machine.toFixed(0)} ms`,
    );
    expect(m.worst, `/ok p99 ${m.worst.toFixed(0)} ms over ${m.n}`).toBeLessThan(1000 + m.machine);
  }, 120_000);

  it("a thread read right after its run finished in the executor thread sees the outcome", async () => {
    for (let i = 0; i < 5; i++) {
      const thread = await post(server.url, "/threads", {});
      const threadId = thread.body.thread_id as string;
      // Cached while idle and empty (a read through the HTTP thread's cache, when it has one).
      expect((await (await fetch(`${server.url}/threads/${threadId}`)).json()).status).toBe("idle");
      const run = await post(server.url, `/threads/${threadId}/runs/wait`, {
        assistant_id: "runs_steps",
        input: { delay_ms: 1 },
      });
      expect(run.status).toBe(200);
      const after = await (await fetch(`${server.url}/threads/${threadId}`)).json();
      expect(after.status).toBe("idle");
      expect(after.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    }
  }, 60_000);

  it("a cancel crosses to the executor thread at once", async () => {
    const thread = await post(server.url, "/threads", {});
    const threadId = thread.body.thread_id as string;
    const run = await post(server.url, `/threads/${threadId}/runs`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 5000 },
    });
    expect(run.status).toBe(200);
    const runId = run.body.run_id as string;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const r = await (await fetch(`${server.url}/threads/${threadId}/runs/${runId}`)).json();
      if (r.status === "running") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const t0 = Date.now();
    const cancel = await fetch(
      `${server.url}/threads/${threadId}/runs/${runId}/cancel?wait=1&action=interrupt`,
      { method: "POST" },
    );
    expect(cancel.status).toBeLessThan(300);
    const took = Date.now() - t0;
    const r = await (await fetch(`${server.url}/threads/${threadId}/runs/${runId}`)).json();
    expect(r.status).toBe("interrupted");
    // A step sleeps 5 s: the cancel did not wait for it (nor for a lease renewal, 10 s).
    expect(took, `cancel took ${took} ms`).toBeLessThan(2000);
  }, 60_000);
});
