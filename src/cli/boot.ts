/**
 * First code the `olg` command runs, before anything imports LangChain: for the commands that load
 * graphs, finds the project's LangChain packages, refuses versions outside our supported ranges
 * with a message naming package and range, and registers the module hook that makes our code use
 * the project's copies. Then hands over to the command line proper (main.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { findConfigFile } from "../config/locate.ts";
import {
  checkPeers,
  OWN_ROOT,
  PeerDependencyError,
  type ResolvedPeer,
  resolvePeers,
  supportedRanges,
} from "../peers/resolve.ts";

/** Commands that load the project's graphs (and so its LangChain). */
const GRAPH_COMMANDS = new Set(["dev", "serve", "test"]);

/** The value of `--config`/`-c` in `args`, if given. */
export function configFlag(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--config" || arg === "-c") return args[i + 1];
    if (arg.startsWith("--config=")) return arg.slice("--config=".length);
  }
  return undefined;
}

/**
 * Where the project lives: `dir` is the config file's folder (else `cwd`); `resolveFrom` the folder
 * of the first graph module, where Node would resolve the graphs' own imports from (as the
 * official server anchors its resolution on the first graph file).
 */
export function projectLocation(args: string[], cwd: string): { dir: string; resolveFrom: string } {
  let configPath: string | null = null;
  try {
    configPath = findConfigFile(cwd, configFlag(args));
  } catch {
    // A missing --config file is reported by the command itself.
  }
  if (!configPath) return { dir: cwd, resolveFrom: cwd };
  const dir = path.dirname(configPath);
  try {
    const graphs = JSON.parse(readFileSync(configPath, "utf-8"))?.graphs ?? {};
    const first = Object.values(graphs)[0] as string | { path?: string } | undefined;
    const spec = typeof first === "string" ? first : first?.path;
    const file = spec ? path.resolve(dir, spec.replace(/:[^/\\:]*$/, "")) : null;
    if (file && existsSync(path.dirname(file))) return { dir, resolveFrom: path.dirname(file) };
  } catch {
    // An unreadable config is reported by the command itself.
  }
  return { dir, resolveFrom: dir };
}

/** Resolves and checks the project's LangChain, then registers the sharing hook. */
export function shareProjectLangChain(args: string[], cwd: string): ResolvedPeer[] {
  const where = projectLocation(args, cwd);
  const peers = resolvePeers(where.resolveFrom);
  checkPeers(peers, supportedRanges());
  register("../peers/share-hook.mjs", import.meta.url, {
    data: {
      ownRoot: OWN_ROOT,
      projectDir: where.dir,
      resolveFrom: where.resolveFrom,
      targets: Object.fromEntries(peers.map((p) => [p.name, p.dir])),
    },
  });
  return peers;
}

/** Entry point used by `bin/olg.js`. */
export async function boot(argv: string[]): Promise<void> {
  const command = argv[2];
  if (command && GRAPH_COMMANDS.has(command)) {
    try {
      shareProjectLangChain(argv.slice(3), process.cwd());
    } catch (error) {
      if (!(error instanceof PeerDependencyError)) throw error;
      console.error(`olg: ${error.message}`);
      process.exit(2);
    }
  }
  const { main } = await import("./main.ts");
  await main(argv);
}
