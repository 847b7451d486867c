/**
 * The config file: found as the official CLI finds it (a file, or a folder holding one), required
 * by the server commands, and strict: an unknown key is an error naming the file and the key.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureGitignored } from "../../src/cli/dev.ts";
import {
  ConfigError,
  findConfigFile,
  loadSettings,
  parseConfigFile,
  requireConfigFile,
} from "../../src/config/load.ts";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "olg-config-"));
  made.push(dir);
  return dir;
}

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("config file", () => {
  it("names the file and an unknown key, with the key it was probably meant to be", () => {
    const message = messageOf(() =>
      parseConfigFile(JSON.stringify({ graph: { agent: "./a.ts:graph" } }), "langgraph.json"),
    );
    expect(message).toContain("langgraph.json: invalid configuration");
    expect(message).toContain('unknown key "graph" (did you mean "graphs"?)');
  });

  it("names unknown keys of a graph entry and unrelated unknown keys without a guess", () => {
    const message = messageOf(() =>
      parseConfigFile(
        JSON.stringify({
          graphs: { agent: { path: "./a.ts:graph", descripton: "x" } },
          frobnicate: true,
        }),
        "open_langgraph.json",
      ),
    );
    expect(message).toContain(
      'unknown key "descripton" in "graphs.agent" (did you mean "description"?)',
    );
    expect(message).toMatch(/^ {2}- unknown key "frobnicate"$/m);
    expect(message).not.toContain('"frobnicate" (did you mean');
  });

  it("accepts an official langgraph.json unchanged, including its image-build keys", () => {
    const official = {
      node_version: "20",
      dockerfile_lines: [],
      dependencies: ["."],
      graphs: { agent: "./src/react_agent/graph.ts:graph" },
      env: ".env",
      $schema: "https://langgra.ph/schema.json",
    };
    expect(parseConfigFile(JSON.stringify(official), "langgraph.json").graphs).toEqual(
      official.graphs,
    );
  });

  it("takes --config as a file or a folder, and prefers open_langgraph.json", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "langgraph.json"), '{"graphs":{}}');
    expect(findConfigFile(dir)).toBe(path.join(dir, "langgraph.json"));
    writeFileSync(path.join(dir, "open_langgraph.json"), '{"graphs":{}}');
    expect(findConfigFile(dir)).toBe(path.join(dir, "open_langgraph.json"));
    const outer = tmp();
    expect(findConfigFile(outer, dir)).toBe(path.join(dir, "open_langgraph.json"));
    expect(findConfigFile(outer, path.join(dir, "langgraph.json"))).toBe(
      path.join(dir, "langgraph.json"),
    );
    mkdirSync(path.join(outer, "empty"));
    expect(messageOf(() => findConfigFile(outer, "empty"))).toContain("No open_langgraph.json");
  });

  it("requires a config file for the server commands, naming where it looked", () => {
    const dir = tmp();
    expect(messageOf(() => requireConfigFile(dir))).toBe(
      `No open_langgraph.json or langgraph.json in ${dir}: create one (its "graphs" map graph ids to "./file.ts:export"), or give its path with --config FILE`,
    );
    expect(messageOf(() => loadSettings("serve", { config: "missing.json" }, {}, dir))).toContain(
      path.join(dir, "missing.json"),
    );
  });
});

describe(".gitignore", () => {
  it("gets .olg/ once, after what it had", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, ".gitignore"), "node_modules");
    expect(ensureGitignored(dir)).toBe(true);
    expect(ensureGitignored(dir)).toBe(false);
    const text = readFileSync(path.join(dir, ".gitignore"), "utf-8");
    expect(text.startsWith("node_modules\n")).toBe(true);
    expect(text.match(/^\.olg\/$/gm)).toHaveLength(1);
  });

  it("is created when missing, and left alone when an entry already covers .olg", () => {
    const dir = tmp();
    expect(ensureGitignored(dir)).toBe(true);
    expect(readFileSync(path.join(dir, ".gitignore"), "utf-8")).toContain(".olg/\n");
    const other = tmp();
    writeFileSync(path.join(other, ".gitignore"), "/.olg\n");
    expect(ensureGitignored(other)).toBe(false);
  });

  it("is left alone when git already ignores .olg/ (a parent's .gitignore: the README's example in a clone)", () => {
    const repo = tmp();
    execFileSync("git", ["init", "-q"], { cwd: repo });
    writeFileSync(path.join(repo, ".gitignore"), "node_modules\n.olg/\n");
    const project = path.join(repo, "examples", "basic");
    mkdirSync(project, { recursive: true });
    expect(ensureGitignored(project)).toBe(false);
    expect(existsSync(path.join(project, ".gitignore"))).toBe(false);
  });
});
