/**
 * `olg graph import` against a local server answering the LangChain Hub's API shapes
 * (`GET /commits/{owner}/{name}/{commit|latest}` → `{ commit_hash, manifest, examples }`, as the
 * official `langsmith` client calls it): the prompt becomes a graph that passes its scenario, the
 * version is recorded and `--update` moves it, a pinned commit is honoured, and a missing prompt,
 * a refused key and an unreachable Hub exit 1, 4 and 3, and a failing Hub is retried once.
 */
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/server.ts";
import { cleanupTemp, olg, tempDir } from "./support.ts";

const OLD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const NEW = "f0e1d2c3b4a5968778695a4b3c2d1e0f98765432";

const manifest = (style: string) =>
  ChatPromptTemplate.fromMessages([
    ["system", `You are a support agent. Answer ${style}.`],
    ["human", "Customer question: {question}"],
  ]).toJSON();

describe("olg graph import (LangChain Hub)", { timeout: 300_000 }, () => {
  const cwd = tempDir("olg-hub-");
  const dir = path.join(cwd, "proj");
  const requests: { url: string; key?: string }[] = [];
  let hub: Server;
  let hubUrl = "";
  const commits: Record<string, unknown> = {
    [OLD]: manifest("briefly"),
    [NEW]: manifest("kindly"),
  };

  beforeAll(async () => {
    hub = createServer((req, res) => {
      const key = req.headers["x-api-key"] as string | undefined;
      requests.push({ url: req.url!, key });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (key === "bad") return send(401, { detail: "Invalid token" });
      if (req.url!.startsWith("/commits/acme/flaky/")) return send(503, { detail: "Busy" });
      const m = /^\/commits\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(req.url!);
      if (!m || `${m[1]}/${m[2]}` !== "acme/support-prompt")
        return send(404, { detail: "Not found" });
      const hash = m[3] === "latest" ? NEW : m[3]!;
      if (!commits[hash]) return send(404, { detail: "Commit not found" });
      send(200, { commit_hash: hash, manifest: commits[hash], examples: [] });
    });
    await new Promise<void>((r) => hub.listen(0, "127.0.0.1", r));
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    const r = await olg(["init", "proj", "-t", "chat", "-y", "--no-install"], { cwd });
    expect(r.code, r.stderr).toBe(0);
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  });
  afterAll(async () => {
    await new Promise((r) => hub.close(r));
    cleanupTemp(cwd);
  });

  it("imports a pinned commit as a graph that passes its scenario", async () => {
    const r = await olg(
      [
        "graph",
        "import",
        `acme/support-prompt:${OLD}`,
        "--name",
        "support",
        "--hub-url",
        hubUrl,
        "--api-key",
        "k1",
        "--no-install",
        "--json",
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(requests.at(-1)).toEqual({ url: `/commits/acme/support-prompt/${OLD}`, key: "k1" });
    const out = JSON.parse(r.stdout);
    expect(out.hub).toMatchObject({ hub: "acme/support-prompt", commit: OLD, requested: OLD });
    const lock = JSON.parse(readFileSync(path.join(dir, "hub.lock.json"), "utf-8"));
    expect(lock.support.commit).toBe(OLD);
    const config = JSON.parse(readFileSync(path.join(dir, "open_langgraph.json"), "utf-8"));
    expect(config.graphs.support.path).toBe("./src/support.ts:graph");
    expect(readFileSync(path.join(dir, "src/hub/support.json"), "utf-8")).toContain("briefly");
    const t = await olg(["test", "tests/support.scenario.yaml", "--json"], {
      cwd: dir,
      timeoutMs: 240_000,
    });
    expect(t.code, t.stderr).toBe(0);
    const report = JSON.parse(t.stdout);
    expect(report.passed).toBe(1);
    // The fake model echoes the formatted prompt: the Hub template was applied.
    expect(JSON.stringify(report.cases[0])).toContain("Customer question: What is LangGraph?");
  });

  it("--update moves the graph to the newest commit and records it", async () => {
    const r = await olg(
      [
        "graph",
        "import",
        "acme/support-prompt",
        "--name",
        "support",
        "--update",
        "--hub-url",
        hubUrl,
        "--no-install",
        "--json",
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(requests.at(-1)!.url).toBe("/commits/acme/support-prompt/latest");
    expect(JSON.parse(r.stdout)).toMatchObject({ previous_commit: OLD, hub: { commit: NEW } });
    expect(readFileSync(path.join(dir, "src/hub/support.json"), "utf-8")).toContain("kindly");
    const lock = JSON.parse(readFileSync(path.join(dir, "hub.lock.json"), "utf-8"));
    expect(lock.support).toMatchObject({ commit: NEW, requested: "latest" });
  });

  it("reports a missing prompt (1), a refused key (4), an unreachable Hub (3), a bad id (2), a failing Hub retried once (1)", async () => {
    const base = ["graph", "import", "--no-install"];
    // Five refusals, none of which may write anything (checked below): they run at the same time.
    const [missing, refused, down, bad, busy] = await Promise.all([
      olg([...base, "acme/nope", "--hub-url", hubUrl], { cwd: dir }),
      olg(
        [...base, "acme/support-prompt", "--name", "x1", "--hub-url", hubUrl, "--api-key", "bad"],
        { cwd: dir },
      ),
      olg([...base, "acme/support-prompt", "--name", "x2", "--hub-url", "http://127.0.0.1:1"], {
        cwd: dir,
      }),
      olg([...base, "not-an-id"], { cwd: dir }),
      olg([...base, "acme/flaky", "--name", "x3", "--hub-url", hubUrl], { cwd: dir }),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("not found");
    expect(refused.code).toBe(4);
    expect(down.code).toBe(3);
    expect(bad.code).toBe(2);
    // A failing Hub is asked twice (one retry), not five times over ~20 s of backoff.
    expect(busy.code).toBe(1);
    expect(requests.filter((r) => r.url.startsWith("/commits/acme/flaky/"))).toHaveLength(2);
    const config = JSON.parse(readFileSync(path.join(dir, "open_langgraph.json"), "utf-8"));
    expect(Object.keys(config.graphs)).toEqual(["agent", "support"]);
    expect(existsSync(path.join(dir, "src/x1.ts"))).toBe(false);
    expect(existsSync(path.join(dir, "src/x3.ts"))).toBe(false);
  });
});
