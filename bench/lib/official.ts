/**
 * Which official server the bench compares with. Our own `@langchain/langgraph-api` dependency is
 * pinned for static schema extraction (src/graphs/schemas.ts) and may trail npm `latest`; the
 * comparison is against the release users would run today, so the bench installs it on first use
 * into `bench/.official/<version>/` (git-ignored), without its peer dependencies
 * (`--legacy-peer-deps`): `@langchain/langgraph` and `@langchain/core` then resolve, by Node's
 * lookup up the folders, to this repository's copies, the ones the bench graphs import, so both
 * servers run the same LangGraph.
 *
 * `BENCH_OFFICIAL_VERSION` picks the version (default below, npm `latest` on 2026-12-01);
 * `installed` uses this repository's own dependency instead.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** npm `latest` of `@langchain/langgraph-api` when this was written (`npm view … version`). */
export const DEFAULT_OFFICIAL_VERSION = "1.5.1";

/** The folder of the `@langchain/langgraph-api` package to run, and its version. */
export interface OfficialPackage {
  dir: string;
  version: string;
}

/**
 * The official package for this run, installing it if needed (one `npm install`, ~20 s, needs the
 * npm registry). Throws with npm's output if the install fails.
 */
export function officialPackage(root: string, env = process.env): OfficialPackage {
  const wanted = env.BENCH_OFFICIAL_VERSION || DEFAULT_OFFICIAL_VERSION;
  if (wanted === "installed")
    return readPackage(path.join(root, "node_modules/@langchain/langgraph-api"));
  const prefix = path.join(root, "bench/.official", wanted);
  const dir = path.join(prefix, "node_modules/@langchain/langgraph-api");
  if (!existsSync(path.join(dir, "package.json"))) {
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, "package.json"), '{ "private": true }\n');
    process.stderr.write(`bench: installing @langchain/langgraph-api@${wanted} into ${prefix}\n`);
    execFileSync(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--legacy-peer-deps",
        `@langchain/langgraph-api@${wanted}`,
      ],
      { cwd: prefix, stdio: ["ignore", "ignore", "inherit"] },
    );
  }
  return readPackage(dir);
}

function readPackage(dir: string): OfficialPackage {
  const { version } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
    version: string;
  };
  return { dir, version };
}
