/**
 * `olg init` without installs: every choice by flag (JavaScript, pnpm, PostgreSQL, Docker, Helm),
 * the prompts under a real terminal (tmux), cancelling, usage errors, and a JavaScript project
 * passing its own scenarios (its packages linked from this repository's node_modules).
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BIN, ROOT } from "../support/server.ts";
import { cleanupTemp, olg, tempDir } from "./support.ts";
import { Terminal } from "./tmux.ts";

const read = (...p: string[]) => readFileSync(path.join(...p), "utf-8");

describe("olg init (files, prompts)", { timeout: 600_000 }, () => {
  const cwd = tempDir("olg-init-files-");
  afterAll(() => cleanupTemp(cwd));

  it("takes every choice by flag", async () => {
    const r = await olg(
      [
        "init",
        "bot",
        "-t",
        "hitl",
        "--js",
        "--pm",
        "pnpm",
        "--db",
        "postgres",
        "--docker",
        "--helm",
        "-y",
        "--no-install",
        "--json",
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({
      template: "hitl",
      lang: "js",
      pm: "pnpm",
      db: "postgres",
      installed: false,
    });
    const dir = path.join(cwd, "bot");
    const graph = read(dir, "src/agent.js");
    expect(graph).toContain("interrupt(");
    expect(graph).not.toMatch(/:\s*(string|Review)\b|interface /);
    expect(read(dir, "src/model.js")).toContain("class ScriptedChatModel");
    expect(read(dir, ".env.example")).toMatch(/^DATABASE_URL=postgres:\/\//m);
    expect(read(dir, "README.md")).toContain("pnpm dev");
    const compose = parse(read(dir, "docker-compose.yml"));
    expect(Object.keys(compose.services).sort()).toEqual([
      "langgraph-api",
      "langgraph-postgres",
      "langgraph-redis",
    ]);
    expect(compose.services["langgraph-api"].environment.DATABASE_URL).toContain(
      "@langgraph-postgres:5432",
    );
    expect(read(dir, "Dockerfile")).toContain(
      'CMD ["serve", "--config", "/app/open_langgraph.json"]',
    );
    expect(compose.services["langgraph-api"].image).toBe("bot:0.1.0");
    const values = parse(read(dir, "deploy/values.yaml"));
    expect(values.image).toEqual({ repository: "bot", tag: "0.1.0" });
    expect(values.secrets.env).toHaveProperty("OPENAI_API_KEY");
    expect(JSON.parse(read(dir, "package.json")).devDependencies).toBeUndefined();
  });

  it("a JavaScript project passes its own scenarios", async () => {
    const r = await olg(["init", "jsbot", "-t", "react", "--js", "-y", "--no-install"], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(cwd, "jsbot");
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const t = await olg(["test", "--json"], { cwd: dir, timeoutMs: 300_000 });
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ passed: 3, failed: 0 });
  });

  it("refuses bad input with exit 2 and writes nothing", async () => {
    writeFileSync(path.join(cwd, "bot", "keep.txt"), "mine");
    // Four refusals, none of which may write anything (checked below): they run at the same time.
    const [bad, pm, full, dup] = await Promise.all([
      olg(["init", "x", "-t", "nope", "-y", "--no-install"], { cwd }),
      olg(["init", "x", "--pm", "cargo", "-y", "--no-install"], { cwd }),
      olg(["init", "bot", "-y", "--no-install"], { cwd }),
      olg(["graph", "add", "agent", "-t", "chat", "--no-install"], { cwd: path.join(cwd, "bot") }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown template "nope"');
    expect(pm.code).toBe(2);
    expect(existsSync(path.join(cwd, "x"))).toBe(false);
    expect(full.code).toBe(2);
    expect(full.stderr).toContain("not empty");
    expect(read(cwd, "bot/src/agent.js")).toContain("interrupt(");
    expect(read(cwd, "bot/keep.txt")).toBe("mine");
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain("already");
  });

  it("asks on a terminal (tmux) and writes what was chosen", async () => {
    const term = new Terminal();
    try {
      await term.start(`cd ${cwd} && ${process.execPath} ${BIN} init --no-install`, {
        NO_COLOR: "1",
      });
      await term.waitFor(/Project folder/);
      await term.keys(["shop-bot"], true);
      await term.keys(["Enter"]);
      await term.waitFor(/Template/);
      await term.keys(["Down", "Down", "Enter"]); // react (initial) → memory → retrieval
      await term.waitFor(/Language/);
      await term.keys(["Enter"]); // TypeScript
      await term.waitFor(/Package manager/);
      await term.keys(["Down", "Down", "Enter"]); // yarn
      await term.waitFor(/Database/);
      await term.keys(["Down", "Enter"]); // PostgreSQL
      await term.waitFor(/Add Docker files/);
      await term.keys(["Left", "Enter"]); // Yes
      await term.waitFor(/Add Helm values/);
      await term.keys(["Enter"]); // No
      const screen = await term.waitFor(/EXIT=\d+/);
      expect(screen).toContain("EXIT=0");
      expect(screen).toContain("yarn dev");
    } finally {
      await term.close();
    }
    const dir = path.join(cwd, "shop-bot");
    expect(read(dir, "src/agent.ts")).toContain("embedQuery");
    expect(read(dir, "README.md")).toContain("yarn dev");
    expect(read(dir, ".env.example")).toMatch(/^DATABASE_URL=/m);
    expect(read(dir, "Dockerfile")).toContain("ARG NODE_VERSION=20");
    expect(() => read(dir, "deploy/values.yaml")).toThrow();
  });

  it("exits 130 when the prompts are cancelled", async () => {
    const term = new Terminal();
    try {
      await term.start(`cd ${cwd} && ${process.execPath} ${BIN} init --no-install`);
      await term.waitFor(/Project folder/);
      await term.keys(["C-c"]);
      const screen = await term.waitFor(/EXIT=\d+/);
      expect(screen).toContain("EXIT=130");
    } finally {
      await term.close();
    }
  });
});
