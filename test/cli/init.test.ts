/**
 * `olg init` and `olg graph add` as a user runs them, with real installs from the npm registry
 * (two: the project, then the pgvector template's packages): the generated project typechecks,
 * passes its own scenarios on the fake model (every agent template, and pgvector on the embedded
 * PGlite's pgvector), and serves a run under `olg dev`.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, describe, expect, it } from "vitest";
import { guardProcess } from "../support/cleanup.ts";
import { ROOT } from "../support/server.ts";
import { cleanupTemp, killOlg, olg, spawnOlg, tempDir } from "./support.ts";

const exec = promisify(execFile);

async function typecheck(cwd: string): Promise<void> {
  await exec(process.execPath, [path.join(cwd, "node_modules/typescript/bin/tsc"), "--noEmit"], {
    cwd,
    timeout: 180_000,
  });
}

describe("olg init with installs", { timeout: 900_000 }, () => {
  const cwd = tempDir("olg-init-");
  const project = path.join(cwd, "my-agent");
  afterAll(() => cleanupTemp(cwd));

  it("scaffolds and installs a TypeScript ReAct project that typechecks", async () => {
    const r = await olg(["init", "my-agent", "--template", "react", "--yes", "--json"], {
      cwd,
      timeoutMs: 400_000,
    });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ template: "react", lang: "ts", pm: "npm", installed: true });
    expect(summary.files).toEqual(
      expect.arrayContaining(["src/agent.ts", "src/model.ts", "tests/agent.scenario.yaml"]),
    );
    const pkg = JSON.parse(readFileSync(path.join(project, "package.json"), "utf-8"));
    expect(pkg.dependencies["open-langgraph"]).toBe(`file:${ROOT}`);
    expect(existsSync(path.join(project, "node_modules/@langchain/langgraph/package.json"))).toBe(
      true,
    );
    await typecheck(project);
  });

  it("adds every agent template and pgvector (installing its packages), all typecheck", async () => {
    for (const t of ["chat", "memory", "retrieval", "hitl"]) {
      const r = await olg(["graph", "add", t, "--template", t, "--no-install"], { cwd: project });
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await olg(["graph", "add", "docs", "-t", "pgvector", "--json"], {
      cwd: project,
      timeoutMs: 400_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).dependencies).toMatchObject({
      "@langchain/community": expect.any(String),
      pg: expect.any(String),
    });
    expect(existsSync(path.join(project, "node_modules/@langchain/community/package.json"))).toBe(
      true,
    );
    const config = JSON.parse(readFileSync(path.join(project, "open_langgraph.json"), "utf-8"));
    expect(Object.keys(config.graphs)).toEqual([
      "agent",
      "chat",
      "memory",
      "retrieval",
      "hitl",
      "docs",
    ]);
    expect(readFileSync(path.join(project, ".env.example"), "utf-8")).toMatch(/^PGVECTOR_URL=$/m);
    await typecheck(project);
  });

  // These two only read the project (`olg test` serves from memory, `olg dev` from .olg/data): they
  // run at the same time.
  it.concurrent(
    "passes its own generated scenarios, pgvector on the embedded database",
    async () => {
      const r = await olg(["test", "--json"], { cwd: project, timeoutMs: 400_000 });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.failed).toBe(0);
      expect(report.passed).toBe(13);
      const docs = report.cases.find((c: { name: string; file: string }) =>
        c.name.includes("vector store"),
      );
      expect(docs.passed).toBe(true);
    },
  );

  it.concurrent("serves the project under olg dev", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = guardProcess(
      spawnOlg(["dev", "--port", String(port), "--no-browser", "--no-reload"], { cwd: project }),
    );
    let logs = "";
    child.stderr!.on("data", (d) => {
      logs += d;
    });
    child.stdout!.on("data", (d) => {
      logs += d;
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline) {
        const ok = await fetch(`${url}/ok`).then(
          (res) => res.ok,
          () => false,
        );
        if (ok) break;
        if (child.exitCode != null) throw new Error(`olg dev exited:\n${logs}`);
        await new Promise((res) => setTimeout(res, 500));
      }
      const client = new Client({ apiUrl: url });
      const out = (await client.runs.wait(null, "agent", {
        input: { messages: [{ role: "user", content: "What's the weather in London?" }] },
      })) as { messages: { content: string }[] };
      expect(out.messages.at(-1)!.content).toContain("rainy");
      const docs = (await client.runs.wait(null, "docs", {
        input: { messages: [{ role: "user", content: "When are invoices issued?" }] },
      })) as { context: string[] };
      expect(docs.context[0]).toContain("invoices");
    } finally {
      await killOlg(child);
    }
  });
});
