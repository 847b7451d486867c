/**
 * The embedded default's metadata cache across its two threads (`src/cache/shared-tags.ts`): the
 * HTTP thread and the run executor thread both write the database and each caches what it read,
 * with freshness tags they share. A write committed in the executor thread (a run's end sets its
 * thread `idle` and stores its values) is never served stale by the HTTP thread, even right after
 * `runs/wait` answered (the HTTP thread hears of the run's end before the executor thread's
 * post-commit hook may have run): thread, search and run reads all see it. The server runs the
 * default configuration (executor thread), and the cache is shown to be serving (its hit counter
 * grows), so the test is not passing for want of a cache. After the executor thread died in a
 * run (a graph node throws from a timer) and its replacement finished the run, the same reads
 * are fresh too, and the cache serves again. A death inside a write (marks in flight, which
 * `SharedTags.reset` and `bumpEverything` cover) cannot be forced from graph code: those are
 * proven in `test/unit/cache.local.test.ts`; this test passes without them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll.ts";
import { startServer, type TestServer } from "../support/server.ts";

type Thread = { thread_id: string; status: string; values: { visits?: string[] } | null };

describe("embedded default: metadata cache across the HTTP and executor threads", () => {
  let server: TestServer;
  const json = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.status === 204 ? null : res.json();
  };
  const hits = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return text
      .split("\n")
      .filter((l) => l.startsWith("olg_cache_hits_total"))
      .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
  };

  beforeAll(async () => {
    delete process.env.OLG_EMBEDDED_EXECUTOR; // the default: the executor thread
    server = await startServer({ backend: "pglite", executorThread: true });
  }, 120_000);

  let dir: string | undefined;
  afterAll(async () => {
    await server?.stop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("thread, search and run reads see a run's end at once after runs/wait", async () => {
    const before = await hits();
    for (let i = 0; i < 20; i++) {
      const tag = `cache-${i}-${Date.now()}`;
      const thread = (await json("POST", "/threads", { metadata: { tag } })) as Thread;
      const id = thread.thread_id;
      // Cached before the run: idle, no values; twice, so the second read is a hit.
      for (let r = 0; r < 2; r++) {
        expect(((await json("GET", `/threads/${id}`)) as Thread).status).toBe("idle");
        const found = (await json("POST", "/threads/search", { metadata: { tag } })) as Thread[];
        expect(found.map((t) => t.status)).toEqual(["idle"]);
      }
      const run = (await json("POST", `/threads/${id}/runs`, {
        assistant_id: "runs_steps",
        input: { delay_ms: 1 },
      })) as { run_id: string };
      // While it runs, the HTTP thread caches `busy` (or already `idle`).
      await json("GET", `/threads/${id}`);
      await json("POST", "/threads/search", { metadata: { tag } });
      const values = (await json("GET", `/threads/${id}/runs/${run.run_id}/join`)) as {
        visits: string[];
      };
      expect(values.visits).toEqual(["s1", "s2", "s3", "s4"]);
      const after = (await json("GET", `/threads/${id}`)) as Thread;
      expect(after.status, `round ${i}`).toBe("idle");
      expect(after.values?.visits).toEqual(["s1", "s2", "s3", "s4"]);
      const found = (await json("POST", "/threads/search", { metadata: { tag } })) as Thread[];
      expect(found.map((t) => t.status)).toEqual(["idle"]);
      const got = (await json("GET", `/threads/${id}/runs/${run.run_id}`)) as { status: string };
      expect(got.status).toBe("success");
      // runs/wait the same way (a second run on the same thread).
      const waited = (await json("POST", `/threads/${id}/runs/wait`, {
        assistant_id: "runs_steps",
        input: { delay_ms: 1 },
      })) as { visits: string[] };
      expect(waited.visits).toHaveLength(8);
      const again = (await json("GET", `/threads/${id}`)) as Thread;
      expect(again.status).toBe("idle");
      expect(again.values?.visits).toHaveLength(8);
    }
    // The cache served (so the reads above could have been stale).
    expect(await hits()).toBeGreaterThan(before + 20);
  }, 120_000);

  it("after the executor thread died mid-run, reads of the resumed run's end are fresh", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "olg-cache-crash-"));
    const tag = `crash-${Date.now()}`;
    const thread = (await json("POST", "/threads", { metadata: { tag } })) as Thread;
    const id = thread.thread_id;
    for (let r = 0; r < 2; r++) {
      expect(((await json("GET", `/threads/${id}`)) as Thread).status).toBe("idle");
      await json("POST", "/threads/search", { metadata: { tag } });
    }
    const run = (await json("POST", `/threads/${id}/runs`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 200, crash_at: "s2", crash_file: path.join(dir, "crash") },
    })) as { run_id: string };
    // Read (and cache) `busy` while the run is in flight, across the thread's death.
    await poll(async () => {
      await json("POST", "/threads/search", { metadata: { tag } });
      const got = (await json("GET", `/threads/${id}`)) as Thread;
      return server.logs.some((l) => l.includes("run executor thread stopped")) &&
        got.status === "busy"
        ? true
        : undefined;
    }, 30_000);
    const values = (await json(
      "GET",
      `/threads/${id}/runs/${run.run_id}/join`,
    )) as Thread["values"];
    expect(values?.visits).toEqual(["s1", "s2", "s3", "s4"]);
    const after = (await json("GET", `/threads/${id}`)) as Thread;
    expect(after.status).toBe("idle");
    expect(after.values?.visits).toEqual(["s1", "s2", "s3", "s4"]);
    const found = (await json("POST", "/threads/search", { metadata: { tag } })) as Thread[];
    expect(found.map((t) => t.status)).toEqual(["idle"]);
    expect(((await json("GET", `/threads/${id}/runs/${run.run_id}`)) as Thread).status).toBe(
      "success",
    );
    // The new executor thread's writes are seen at once too, and the cache serves again.
    const before = await hits();
    for (let i = 0; i < 3; i++) {
      const waited = (await json("POST", `/threads/${id}/runs/wait`, {
        assistant_id: "runs_steps",
        input: { delay_ms: 1 },
      })) as { visits: string[] };
      expect(waited.visits).toHaveLength(8 + 4 * i);
      for (let r = 0; r < 3; r++) {
        const again = (await json("GET", `/threads/${id}`)) as Thread;
        expect(again.status).toBe("idle");
        expect(again.values?.visits).toHaveLength(8 + 4 * i);
      }
    }
    expect(await hits()).toBeGreaterThan(before + 3);
  }, 120_000);

  it("a thread deleted in the HTTP thread is gone for a run the executor thread claims", async () => {
    const thread = (await json("POST", "/threads", {})) as Thread;
    await json("GET", `/threads/${thread.thread_id}`);
    await json("DELETE", `/threads/${thread.thread_id}`);
    const res = await fetch(`${server.url}/threads/${thread.thread_id}`);
    expect(res.status).toBe(404);
  });

  it("a run created after an assistant update carries the new config", async () => {
    const assistant = (await json("POST", "/assistants", {
      graph_id: "runs_steps",
      config: { configurable: { marker: "old" } },
    })) as { assistant_id: string };
    const id = assistant.assistant_id;
    const thread = (await json("POST", "/threads", {})) as Thread;
    const first = (await json("POST", `/threads/${thread.thread_id}/runs`, {
      assistant_id: id,
      input: { delay_ms: 1 },
    })) as { run_id: string };
    await json("GET", `/threads/${thread.thread_id}/runs/${first.run_id}/join`);
    // The assistant was read (and cached) for that run; now it changes.
    await json("PATCH", `/assistants/${id}`, { config: { configurable: { marker: "new" } } });
    // A new thread (a thread keeps the config of its first run).
    const other = (await json("POST", "/threads", {})) as Thread;
    const second = (await json("POST", `/threads/${other.thread_id}/runs`, {
      assistant_id: id,
      input: { delay_ms: 1 },
    })) as { run_id: string };
    await json("GET", `/threads/${other.thread_id}/runs/${second.run_id}/join`);
    const run = (await json("GET", `/threads/${other.thread_id}/runs/${second.run_id}`)) as {
      kwargs: { config: { configurable: Record<string, unknown> } };
    };
    expect(run.kwargs.config.configurable.marker).toBe("new");
    expect(((await json("GET", `/assistants/${id}`)) as { version: number }).version).toBe(2);
  }, 60_000);
});
