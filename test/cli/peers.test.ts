/**
 * The project's LangChain, not ours: which copies the server uses, the supported ranges, and the
 * start-up refusal of a project whose versions are outside them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";
import { configFlag, projectLocation } from "../../src/cli/boot.ts";
import {
  checkPeers,
  PEER_PACKAGES,
  PeerDependencyError,
  resolvePeers,
  supportedRanges,
} from "../../src/peers/resolve.ts";
import { guardProcess } from "../support/cleanup.ts";
import { BIN, ROOT } from "../support/server.ts";

const made: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode == null) child.kill("SIGKILL");
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "olg-peers-")));
  made.push(dir);
  return dir;
}

/** Writes a package.json for `name` under `dir/node_modules`. */
function fakePackage(dir: string, name: string, version: string): string {
  const pkgDir = path.join(dir, "node_modules", name);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(path.join(pkgDir, "package.json"), JSON.stringify({ name, version }));
  return pkgDir;
}

describe("resolvePeers", () => {
  it("takes the project's copies over ours, and ours only for what the project lacks", () => {
    const project = tmp();
    const own = tmp();
    fakePackage(project, "@langchain/langgraph", "1.5.0");
    fakePackage(project, "@langchain/core", "1.3.0");
    for (const name of PEER_PACKAGES) fakePackage(own, name, "1.9.9");
    const found = resolvePeers(path.join(project, "src"), own);
    const byName = Object.fromEntries(found.map((p) => [p.name, p]));
    expect(byName["@langchain/langgraph"]).toMatchObject({ version: "1.5.0", source: "project" });
    expect(byName["@langchain/core"]).toMatchObject({ version: "1.3.0", source: "project" });
    expect(byName["@langchain/langgraph-checkpoint"]).toMatchObject({ source: "own" });
    expect(byName["@langchain/langgraph-sdk"]).toMatchObject({ source: "own" });
  });

  it("takes the checkpoint package LangGraph itself resolves (a nested copy wins)", () => {
    const project = tmp();
    const langgraph = fakePackage(project, "@langchain/langgraph", "1.7.3");
    fakePackage(project, "@langchain/langgraph-checkpoint", "1.1.5");
    fakePackage(langgraph, "@langchain/langgraph-checkpoint", "1.2.2");
    fakePackage(langgraph, "@langchain/langgraph-sdk", "1.15.0");
    const found = resolvePeers(project, tmp());
    const version = (name: string) => found.find((p) => p.name === name)?.version;
    expect(version("@langchain/langgraph-checkpoint")).toBe("1.2.2");
    // The SDK the graphs import comes from the project; LangGraph's own copy only as a fallback.
    expect(version("@langchain/langgraph-sdk")).toBe("1.15.0");
  });
});

describe("checkPeers", () => {
  const ranges = supportedRanges();

  it("declares every shared package as a peer with a range", () => {
    for (const name of PEER_PACKAGES) expect(semver.validRange(ranges[name])).toBeTruthy();
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8"));
    for (const name of PEER_PACKAGES) expect(pkg.dependencies?.[name]).toBeUndefined();
    // Our own tests run on the newest: the dev copies must be inside the range too.
    for (const name of PEER_PACKAGES)
      expect(semver.satisfies(pkg.devDependencies[name], ranges[name])).toBe(true);
  });

  it("accepts the lowest version of each range", () => {
    const lowest = PEER_PACKAGES.map((name) => ({
      name,
      version: semver.minVersion(ranges[name])!.version,
      dir: "/x",
      source: "project" as const,
    }));
    expect(() => checkPeers(lowest, ranges)).not.toThrow();
  });

  it("names the package, its version, the range and the fix when outside the range", () => {
    const peers = PEER_PACKAGES.map((name) => ({
      name,
      version:
        name === "@langchain/langgraph" ? "0.2.74" : semver.minVersion(ranges[name])!.version,
      dir: `/p/node_modules/${name}`,
      source: "project" as const,
    }));
    expect(() => checkPeers(peers, ranges)).toThrow(PeerDependencyError);
    try {
      checkPeers(peers.slice(0, 3), ranges);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(
        `@langchain/langgraph 0.2.74 (/p/node_modules/@langchain/langgraph) is outside the supported range ${ranges["@langchain/langgraph"]}`,
      );
      expect(message).toContain(
        `@langchain/langgraph-sdk is not installed (supported: ${ranges["@langchain/langgraph-sdk"]})`,
      );
      expect(message).toContain(
        `npm install "@langchain/langgraph@${ranges["@langchain/langgraph"]}" "@langchain/langgraph-sdk@`,
      );
    }
  });
});

describe("project location", () => {
  it("reads --config in all its spellings", () => {
    expect(configFlag(["--config", "a.json"])).toBe("a.json");
    expect(configFlag(["-c", "b.json", "--port", "1"])).toBe("b.json");
    expect(configFlag(["--config=c.json"])).toBe("c.json");
    expect(configFlag(["--port", "1"])).toBeUndefined();
  });

  it("anchors resolution on the first graph's folder, the project on the config's", () => {
    const project = tmp();
    mkdirSync(path.join(project, "src/agent"), { recursive: true });
    writeFileSync(path.join(project, "src/agent/graph.ts"), "export const graph = 1;\n");
    writeFileSync(
      path.join(project, "langgraph.json"),
      JSON.stringify({ graphs: { agent: "./src/agent/graph.ts:graph" } }),
    );
    expect(projectLocation([], project)).toEqual({
      dir: project,
      resolveFrom: path.join(project, "src/agent"),
    });
    expect(projectLocation([], tmp())).toMatchObject({ resolveFrom: expect.any(String) });
  });
});

describe("olg serve with LangChain outside the range", () => {
  it("exits 2 naming the package and the supported range", async () => {
    const project = tmp();
    fakePackage(project, "@langchain/langgraph", "0.2.74");
    fakePackage(project, "@langchain/core", "0.3.40");
    writeFileSync(path.join(project, "langgraph.json"), JSON.stringify({ graphs: {} }));
    const child = guardProcess(
      spawn(process.execPath, [BIN, "serve", "--port", "0", "--in-memory"], {
        cwd: project,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    children.push(child);
    let output = "";
    const collect = (d: Buffer) => {
      output += d;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    const ranges = supportedRanges();
    expect(output).toContain(
      `@langchain/langgraph 0.2.74 (${path.join(project, "node_modules/@langchain/langgraph")}) is outside the supported range ${ranges["@langchain/langgraph"]}`,
    );
    expect(output).toContain(`@langchain/core 0.3.40`);
    expect(output).not.toContain("server listening");
  }, 120_000);
});
