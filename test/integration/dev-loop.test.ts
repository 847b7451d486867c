/**
 * `olg dev` as a developer uses it: it keeps running when a graph throws at import, shows the
 * error, and comes back when the file is fixed (saved the way vim and JetBrains save: a new file
 * renamed over the old one); every change restarts it with the new code; `.olg/` is gitignored on
 * the first run. And the command line: no config, an unknown key, `--tunnel`, `--help`, `--version`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardProcess } from "../support/cleanup.ts";
import { BIN, ROOT } from "../support/server.ts";

const made: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode == null && child.signalCode == null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
    }
  }
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A project folder outside the repository that uses our installed LangChain. */
function project(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "olg-dev-")));
  made.push(dir);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Saves like editors that write a temporary file and rename it over the original. */
function renameSave(file: string, text: string): void {
  const temp = `${file}.swp~`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

const graphSource = (value: string) => `
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ out: Annotation<string> });
export const graph = new StateGraph(State)
  .addNode("answer", () => ({ out: "${value}" }))
  .addEdge(START, "answer")
  .addEdge("answer", END)
  .compile();
`;

/** Runs `olg` to completion and returns its exit code and output. */
function olg(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const child = guardProcess(
    spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] }),
  );
  children.push(child);
  let output = "";
  const collect = (d: Buffer) => {
    output += d;
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("olg dev loop", () => {
  let dir: string;
  let dev: ChildProcess;
  let output = "";

  /** Waits until the output after `from` matches `pattern`; returns the match. */
  async function waitFor(pattern: RegExp, from: number, ms = 180_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const match = output.slice(from).match(pattern);
      if (match) return match;
      if (dev.exitCode != null) throw new Error(`olg dev exited (${dev.exitCode}):\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${pattern}:\n${output.slice(from)}`);
  }

  async function run(url: string): Promise<unknown> {
    const res = await fetch(`${url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "agent", input: {} }),
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  beforeAll(() => {
    dir = project({
      "open_langgraph.json": JSON.stringify({ graphs: { agent: "./graph.ts:graph" } }),
      "graph.ts": 'throw new Error("boom-at-import");\nexport const graph = null;\n',
    });
    dev = guardProcess(
      spawn(process.execPath, [BIN, "dev", "--port", "0", "--no-browser", "--in-memory"], {
        cwd: dir,
        env: { ...process.env, LOG_JSON: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    children.push(dev);
    const collect = (d: Buffer) => {
      output += d;
    };
    dev.stdout!.on("data", collect);
    dev.stderr!.on("data", collect);
  });

  it("shows the import error and keeps running", async () => {
    await waitFor(/boom-at-import/, 0);
    await waitFor(/\[olg dev\] the server stopped \(exit code 1\)/, 0);
    expect(output).toContain("graphs.agent: importing");
    await new Promise((r) => setTimeout(r, 1000));
    expect(dev.exitCode).toBeNull();
  }, 240_000);

  it("gitignores .olg/ on the first run", () => {
    expect(readFileSync(path.join(dir, ".gitignore"), "utf-8")).toMatch(/^\.olg\/$/m);
  });

  it("starts once the file is fixed by a rename-save, and reloads each change", async () => {
    const before = output.length;
    renameSave(path.join(dir, "graph.ts"), graphSource("first"));
    const [, url] = await waitFor(/\[olg dev\] API: (http:\/\/\S+)/, before);
    expect(await run(url!)).toEqual({ out: "first" });

    const again = output.length;
    renameSave(path.join(dir, "graph.ts"), graphSource("second"));
    const [, url2] = await waitFor(/\[olg dev\] API: (http:\/\/\S+)/, again);
    expect(output.slice(again)).toContain("graph.ts changed: restarting");
    expect(await run(url2!)).toEqual({ out: "second" });
  }, 400_000);

  it("stops the server when it is stopped", async () => {
    const [, url] = output.match(/.*\[olg dev\] API: (http:\/\/\S+)/s) ?? [];
    const exited = new Promise((r) => dev.once("exit", r));
    dev.kill("SIGTERM");
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/ok`)).rejects.toThrow();
  }, 60_000);
});

describe("olg command line", () => {
  it("refuses to start without a config file, naming the folder", async () => {
    const dir = project({});
    const { code, output } = await olg(["dev", "--no-browser"], dir);
    expect(code).toBe(2);
    expect(output).toContain(`No open_langgraph.json or langgraph.json in ${dir}`);
  }, 120_000);

  it("refuses an unknown key, naming the file and the key", async () => {
    const dir = project({ "langgraph.json": JSON.stringify({ graph: { a: "./a.ts:graph" } }) });
    const { code, output } = await olg(["serve", "--port", "0", "--in-memory"], dir);
    expect(code).toBe(2);
    expect(output).toContain("langgraph.json: invalid configuration");
    expect(output).toContain('unknown key "graph" (did you mean "graphs"?)');
  }, 120_000);

  it("refuses --tunnel with the reason, and accepts the official flags", async () => {
    const dir = project({ "langgraph.json": '{"graphs":{}}' });
    const { code, output } = await olg(
      ["dev", "--tunnel", "--no-browser", "--host", "127.0.0.1", "-n", "3"],
      dir,
    );
    expect(code).toBe(2);
    expect(output).toContain("--tunnel is not supported");
    expect(output).not.toContain("unknown option");
  }, 120_000);

  it("documents defaults and environment variables, and prints its version", async () => {
    const help = await olg(["dev", "--help"], ROOT);
    expect(help.code).toBe(0);
    for (const text of ["--no-browser", "default: 2024", "env: PORT", "DATABASE_URL", "REDIS_URL"])
      expect(help.output).toContain(text);
    const version = await olg(["--version"], ROOT);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8"));
    expect(version.output.trim()).toBe(pkg.version);
  }, 120_000);
});
