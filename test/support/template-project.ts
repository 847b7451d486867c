/**
 * A user's project, made the way a new user makes one: a copy of a template (test/fixtures/templates),
 * a package.json with the LangChain versions of one matrix entry and our package from the tarball
 * `npm pack` makes (pack.ts), installed with npm from the registry (npm's cache makes repeats fast).
 * Then `olg dev`, started from the project's own node_modules/.bin, as `npx olg dev` would.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { guardProcess } from "./cleanup.ts";
import { ROOT } from "./server.ts";

const run = promisify(execFile);
const ownPkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8"));

/** The LangChain packages a project pins (plus zod, as the templates do). */
export type Versions = Record<string, string>;

/**
 * The peers a template-shaped project installs itself: the required ones. Optional peers
 * (better-sqlite3, for the SQLite engine) stay out, as in the templates, which never use them;
 * listing one made every install (and the image's `npm ci`) compile SQLite from source.
 */
const peers: [string, string][] = Object.entries<string>(ownPkg.peerDependencies).filter(
  ([n]) => !ownPkg.peerDependenciesMeta?.[n]?.optional,
);

/** Optional peers, which a project must not get unless it asks: `npm i open-langgraph` stays light. */
export const OPTIONAL_PEERS: string[] = Object.keys(ownPkg.peerDependencies).filter(
  (n) => ownPkg.peerDependenciesMeta?.[n]?.optional,
);

/** Newest: our dev copies (npm latest of the peers) and the newest langchain/@langchain/openai. */
export const NEWEST: Versions = {
  ...Object.fromEntries(peers.map(([n]) => [n, ownPkg.devDependencies[n]])),
  langchain: "1.5.14",
  "@langchain/openai": "1.6.0",
  zod: "3.25.76",
};

/**
 * Lowest: the bottom of each peer range we declare, with the oldest langchain and @langchain/openai
 * whose own ranges accept that @langchain/core.
 */
export const LOWEST: Versions = {
  ...Object.fromEntries(peers.map(([n, range]) => [n, semver.minVersion(range)!.version])),
  langchain: "1.5.0",
  "@langchain/openai": "1.5.5",
  zod: "3.25.76",
};

/** Creates and installs a project from `template`; returns its folder. */
export async function makeProject(template: string, versions: Versions, tarball: string) {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), `olg-${template}-`)));
  cpSync(path.join(ROOT, "test/fixtures/templates", template), dir, { recursive: true });
  mkdirSync(path.join(dir, "vendor"));
  cpSync(tarball, path.join(dir, "vendor/open-langgraph.tgz"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify(
      {
        name: template,
        version: "0.0.1",
        private: true,
        type: "module",
        dependencies: { ...versions, "open-langgraph": "file:vendor/open-langgraph.tgz" },
      },
      null,
      2,
    ),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: dir,
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return dir;
}

/** The version of `name` installed in the project. */
export function installedIn(dir: string, name: string): string {
  return JSON.parse(readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf-8"))
    .version;
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 (or the process exits, or the deadline passes). */
export async function waitOk(url: string, child: ChildProcess, output: () => string, ms = 180_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode != null) throw new Error(`exited ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no answer from ${url} in ${ms} ms:\n${output()}`);
}

/** A started process with its collected output. */
export interface Started {
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Spawns `command` (own process group, registered with the janitor). */
export function start(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number },
): Started {
  const child = guardProcess(
    spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true }),
  );
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode == null && child.signalCode == null) {
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {}
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {}
        }, 45_000);
        await exited;
        clearTimeout(timer);
      }
      return child.exitCode;
    },
  };
}
