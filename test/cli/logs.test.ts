/**
 * `olg logs` against a real server: the admin log feed's JSON and SSE routes, the run/thread/text
 * filters (a graph's own `getLogger()` lines carry its run id), `--follow` seeing live lines,
 * `Last-Event-ID` resume, who may read logs under a custom auth handler, and exit codes.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";
import { cleanupTemp, killOlg, olg, spawnOlg, tempDir } from "./support.ts";

const CONFIG = "test/fixtures/cli/logs/open_langgraph.json";
const AUTH_CONFIG = "test/fixtures/cli/logs/open_langgraph.auth.json";

async function waitFor<T>(fn: () => T | undefined, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("olg logs (no auth module)", { timeout: 180_000 }, () => {
  let server: TestServer;
  const cwd = tempDir();
  let runId = "";
  let threadId = "";

  beforeAll(async () => {
    server = await startServer({ backend: "pglite", config: CONFIG, testMode: false });
    const client = new Client({ apiUrl: server.url });
    const thread = await client.threads.create();
    threadId = thread.thread_id;
    const run = await client.runs.create(threadId, "shout", { input: { text: "first-run" } });
    runId = run.run_id;
    await client.runs.join(threadId, runId);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    cleanupTemp(cwd);
  });

  it("serves recent lines as JSON with filters", async () => {
    const all = await (await fetch(`${server.url}/admin/api/logs?limit=5000`)).json();
    expect(all.entries.some((e: { msg: string }) => e.msg === "server listening")).toBe(true);
    const seqs = all.entries.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const warn = await (await fetch(`${server.url}/admin/api/logs?level=warn&limit=5000`)).json();
    expect(warn.entries.every((e: { level: number }) => e.level >= 40)).toBe(true);
    expect((await fetch(`${server.url}/admin/api/logs?level=loud`)).status).toBe(400);
    expect((await fetch(`${server.url}/admin/api/logs?limit=-1`)).status).toBe(400);
  });

  it("finds a run's lines, the graph's own included, by run and by thread", async () => {
    const byRun = await olg(["logs", "--url", server.url, "--run", runId, "--json", "-n", "500"], {
      cwd,
    });
    expect(byRun.code).toBe(0);
    const lines = byRun.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const marker = lines.find((l) => l.msg === "graph-marker first-run");
    expect(marker).toMatchObject({ run_id: runId, thread_id: threadId, source: "graph" });
    expect(lines.some((l) => l.msg === "run started")).toBe(true);
    expect(lines.every((l) => JSON.stringify(l).includes(runId))).toBe(true);

    const byThread = await olg(["logs", "--url", server.url, "--thread", threadId, "-n", "500"], {
      cwd,
    });
    expect(byThread.code).toBe(0);
    expect(byThread.stdout).toContain("graph-marker first-run");
    expect(byThread.stdout).toMatch(/INFO/);

    const none = await olg(["logs", "--url", server.url, "--grep", "no-such-text-anywhere"], {
      cwd,
    });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
  });

  it("follows live lines", async () => {
    const child = spawnOlg(
      ["logs", "--url", server.url, "-f", "--grep", "follow-marker", "--json", "-n", "0"],
      { cwd },
    );
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
    });
    try {
      // The follower is connected once its own request shows up in the feed.
      await waitFor(() =>
        server.logs.some((l) => l.includes('"/admin/api/logs/stream"')) ? true : undefined,
      ).catch(() => {});
      const client = new Client({ apiUrl: server.url });
      const deadline = Date.now() + 90_000;
      while (!out.includes("follow-marker") && Date.now() < deadline) {
        await client.runs.wait(null, "shout", { input: { text: "follow-marker" } });
        await new Promise((r) => setTimeout(r, 1000));
      }
      const first = JSON.parse(out.trim().split("\n")[0]!);
      expect(first.msg).toBe("graph-marker follow-marker");
    } finally {
      await killOlg(child);
    }
  });

  it("resumes the SSE stream after Last-Event-ID, and from the start for another feed's id", async () => {
    const recent = await (await fetch(`${server.url}/admin/api/logs?limit=3`)).json();
    const last = recent.entries.at(-1);
    const read = async (lastEventId: string) => {
      const abort = new AbortController();
      const res = await fetch(`${server.url}/admin/api/logs/stream?limit=0`, {
        headers: { "last-event-id": lastEventId },
        signal: abort.signal,
      });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      abort.abort();
      return new TextDecoder().decode(value);
    };
    const resumed = await read(`${recent.feed_id}:${last.seq - 1}`);
    expect(resumed).toContain(`id: ${recent.feed_id}:${last.seq}`);
    expect(resumed).toContain("event: log");
    const restarted = await read(`otherfeed:${last.seq}`);
    expect(restarted).toMatch(new RegExp(`id: ${recent.feed_id}:(\\d+)`));
    const firstSeq = Number(/id: [a-z0-9]+:(\d+)/.exec(restarted)![1]);
    expect(firstSeq).toBeLessThan(last.seq);
  });

  it("exits 3 when no server answers", async () => {
    const r = await olg(["logs", "--url", "http://127.0.0.1:9"], { cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("cannot reach");
  });
});

describe("olg logs under a custom auth handler", { timeout: 180_000 }, () => {
  let server: TestServer;
  const cwd = tempDir();

  beforeAll(async () => {
    server = await startServer({ backend: "pglite", config: AUTH_CONFIG, testMode: false });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    cleanupTemp(cwd);
  });

  it("needs credentials (401), then the admin:logs permission (403 otherwise)", async () => {
    const url = `${server.url}/admin/api/logs`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}/stream`)).status).toBe(401);
    const dev = await fetch(url, { headers: { authorization: "Bearer dev" } });
    expect(dev.status).toBe(403);
    expect(
      (await fetch(`${url}/stream`, { headers: { authorization: "Bearer dev" } })).status,
    ).toBe(403);
    const ops = await fetch(url, { headers: { authorization: "Bearer ops" } });
    expect(ops.status).toBe(200);
    expect((await ops.json()).entries.length).toBeGreaterThan(0);
  });

  it("maps refusals to exit code 4 and works with --token", async () => {
    const none = await olg(["logs", "--url", server.url], { cwd });
    expect(none.code).toBe(4);
    const dev = await olg(["logs", "--url", server.url, "--token", "dev"], { cwd });
    expect(dev.code).toBe(4);
    expect(dev.stderr).toContain("admin:logs");
    const ops = await olg(["logs", "--url", server.url, "-H", "Authorization: Bearer ops"], {
      cwd,
    });
    expect(ops.code).toBe(0);
    expect(ops.stdout).toContain("server listening");
  });
});
