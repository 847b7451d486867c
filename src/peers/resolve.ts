/**
 * The LangChain packages the server shares with the user's graphs: `@langchain/core`,
 * `@langchain/langgraph`, `@langchain/langgraph-checkpoint` and `@langchain/langgraph-sdk` are peer
 * dependencies, so the PROJECT owns them (as with the official `langgraphjs dev`, whose server is a
 * peer of the project's LangGraph). This module finds the project's copies, checks each against the
 * range in our `package.json`, and names the folders the module hook (share-hook.mjs) sends our
 * own imports to. Node built-ins only: it runs before anything imports LangChain.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";

/** The shared packages, in the order they are resolved (checkpoint and SDK follow LangGraph). */
export const PEER_PACKAGES = [
  "@langchain/langgraph",
  "@langchain/core",
  "@langchain/langgraph-checkpoint",
  "@langchain/langgraph-sdk",
] as const;

/** One of {@link PEER_PACKAGES}. */
export type PeerName = (typeof PEER_PACKAGES)[number];

/** Where a shared package was found. */
export interface ResolvedPeer {
  name: PeerName;
  version: string;
  /** Real path of the package folder (the one holding its package.json). */
  dir: string;
  /** `project`: the user's project provides it; `own`: only our own install has it. */
  source: "project" | "own";
}

/** A shared package missing, or outside the supported range: the server must not start. */
export class PeerDependencyError extends Error {
  override name = "PeerDependencyError";
}

/** Our package root (holds package.json), from this file in `src/peers` or `dist/peers`. */
export const OWN_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The supported ranges: the `peerDependencies` of our package.json (one source of truth). */
export function supportedRanges(ownRoot = OWN_ROOT): Record<PeerName, string> {
  const pkg = JSON.parse(readFileSync(path.join(ownRoot, "package.json"), "utf-8"));
  return pkg.peerDependencies;
}

/** The folder of package `name` as Node resolves it from `fromDir`, or null. */
export function findPackageDir(name: string, fromDir: string): string | null {
  const require = createRequire(path.join(fromDir, "noop.js"));
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = path.join(base, name);
    if (existsSync(path.join(dir, "package.json"))) return realpathSync(dir);
  }
  return null;
}

function readVersion(dir: string): string {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf-8")).version;
}

/**
 * Finds each shared package for the project whose graphs live in `projectDir`: the project's own
 * copy, else (a clone or linked folder of ours running a project without LangChain) our copy.
 * The checkpoint package is looked up from LangGraph's folder first, so the server saves with the
 * very copy LangGraph runs with; the SDK and core from the project first, then from LangGraph.
 */
export function resolvePeers(projectDir: string, ownRoot = OWN_ROOT): ResolvedPeer[] {
  const found: ResolvedPeer[] = [];
  let langgraphDir: string | null = null;
  for (const name of PEER_PACKAGES) {
    const starts: (string | null)[] =
      name === "@langchain/langgraph-checkpoint"
        ? [langgraphDir, projectDir]
        : [projectDir, langgraphDir];
    let dir: string | null = null;
    let source: ResolvedPeer["source"] = "project";
    for (const start of starts) {
      dir = start ? findPackageDir(name, start) : null;
      if (dir) break;
    }
    if (!dir) {
      dir = findPackageDir(name, ownRoot);
      source = "own";
    }
    if (!dir) continue;
    if (name === "@langchain/langgraph") langgraphDir = dir;
    found.push({ name, version: readVersion(dir), dir, source });
  }
  return found;
}

/**
 * Checks the resolved packages against `ranges`; throws one {@link PeerDependencyError} naming
 * every package that is missing or outside its range, and the command that fixes it.
 */
export function checkPeers(found: ResolvedPeer[], ranges: Record<string, string>): void {
  const problems: string[] = [];
  const bad: string[] = [];
  for (const name of PEER_PACKAGES) {
    const range = ranges[name];
    if (!range) continue;
    const peer = found.find((p) => p.name === name);
    if (!peer) {
      problems.push(`  - ${name} is not installed (supported: ${range})`);
    } else if (!semver.satisfies(peer.version, range, { includePrerelease: true })) {
      problems.push(
        `  - ${name} ${peer.version} (${peer.dir}) is outside the supported range ${range}`,
      );
    } else continue;
    bad.push(`"${name}@${range}"`);
  }
  if (problems.length === 0) return;
  throw new PeerDependencyError(
    `this project's LangChain packages do not fit open-langgraph:\n${problems.join("\n")}\n` +
      `Install supported versions in the project: npm install ${bad.join(" ")}`,
  );
}
