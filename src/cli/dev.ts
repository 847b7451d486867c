/**
 * `olg dev`: the embedded default with pretty logs, restarted when project files change. The server
 * runs in a child process so a reload starts from a clean module cache; the parent watches the
 * project, waits for the child to exit (PGlite's data folder is single-process) before starting the
 * next one, and keeps running when the server fails (a graph that throws at import, a bad config):
 * the error is on screen and the next save starts it again. Like `langgraphjs dev`, it adds its data
 * folder to `.gitignore` and opens LangGraph Studio once the server listens. From a source checkout
 * it also builds the admin UI (`/admin`) when `ui/dist` is missing or stale.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { watch } from "chokidar";
import { type CliFlags, loadSettings, requireConfigFile } from "../config/load.ts";
import { ensureAdminUi } from "./admin-ui-build.ts";

/** Folders whose changes never restart the server. */
const IGNORED = /(^|[/\\])(node_modules|\.olg|\.git|\.langgraph_api|dist|coverage)([/\\]|$)/;
/** Files whose changes do. */
const WATCHED = /\.(m?[jt]sx?|c[jt]s|json|env)$|(^|[/\\])\.env[^/\\]*$/;
const STUDIO = "https://smith.langchain.com/studio";

/** How `olg dev` runs. */
export interface DevOptions {
  /** Restart on file changes (default true; `--no-reload`). */
  reload: boolean;
  /** Open Studio in the browser once listening (default true; `--no-browser`). */
  browser?: boolean;
}

const say = (message: string) => console.error(`[olg dev] ${message}`);

/**
 * The dev server child's environment: the parent's, marked as the child, with glibc's malloc
 * limited to 2 arenas unless the user chose a value. The embedded default runs four or five
 * threads (HTTP, run executor, PGlite, tsx's loader threads); each got an arena of its own
 * (64 MB mappings); 2 arenas held 30-46 MB less RSS at rest, throughput unchanged within noise
 * (docs/reliability.md "Memory"). Only a child can get it: glibc reads it at process start.
 */
export function devChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: "2", ...env, OLG_DEV_CHILD: "1" };
}

/** Whether git already ignores `.olg/` here (any .gitignore up the tree, or git's excludes). */
function gitIgnores(projectDir: string): boolean {
  const r = spawnSync("git", ["check-ignore", "-q", path.join(".olg", "data")], {
    cwd: projectDir,
    stdio: "ignore",
    timeout: 5_000,
  });
  return r.status === 0;
}

/**
 * Adds `.olg/` (the embedded database and caches) to the project's `.gitignore` unless an entry
 * already covers it, or git already ignores it (a parent folder's `.gitignore`: the README's
 * example inside a clone). Returns whether the file changed.
 */
export function ensureGitignored(projectDir: string): boolean {
  const file = path.join(projectDir, ".gitignore");
  const text = existsSync(file) ? readFileSync(file, "utf-8") : "";
  if (/^\/?\.olg(\/(\*\*?)?)?\s*$/m.test(text)) return false;
  if (gitIgnores(projectDir)) return false;
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  appendFileSync(
    file,
    `${separator}# Open LangGraph (olg dev): embedded database and caches\n.olg/\n`,
  );
  return true;
}

/** Whether to open a browser: asked for, and someone is at a terminal to see it. */
function shouldOpenBrowser(options: DevOptions, env: NodeJS.ProcessEnv): boolean {
  return (
    options.browser !== false && env.BROWSER !== "none" && !env.CI && process.stdout.isTTY === true
  );
}

async function openStudio(url: string): Promise<void> {
  try {
    const { default: open } = await import("open");
    const child = await open(url);
    child.on("error", () => {});
  } catch {
    // No browser here: the URL is printed anyway.
  }
}

/** Runs the dev server; with `reload`, restarts it on changes under the project folder. */
export async function runDev(flags: CliFlags, options: DevOptions): Promise<void> {
  if (!options.reload || process.env.OLG_DEV_CHILD === "1") {
    // Only the process that serves loads the server: the watching parent never needs it.
    const { runServe } = await import("./serve.ts");
    await runServe(loadSettings("dev", flags));
    return;
  }
  const configPath = requireConfigFile(process.cwd(), flags.config);
  const projectDir = path.dirname(configPath);
  if (ensureGitignored(projectDir)) say(`added .olg/ to ${path.join(projectDir, ".gitignore")}`);
  const bin = fileURLToPath(new URL("../../bin/olg.js", import.meta.url));
  const args = process.argv.slice(2);
  let child: ChildProcess | null = null;
  let restarting = false;
  let stopping = false;
  let opened = false;

  const start = () => {
    const current = spawn(process.execPath, [bin, ...args], {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: devChildEnv(process.env),
    });
    child = current;
    current.on("message", (message: { type?: string; url?: string }) => {
      if (message?.type !== "olg:listening" || !message.url) return;
      const studio = `${STUDIO}?baseUrl=${encodeURIComponent(message.url)}`;
      say(`API: ${message.url}   Admin: ${message.url}/admin/   Studio: ${studio}`);
      if (!opened && shouldOpenBrowser(options, process.env)) void openStudio(studio);
      opened = true;
    });
    current.on("exit", (code, signal) => {
      if (current !== child || restarting || stopping) return;
      if (signal == null && code === 0) {
        process.exit(0);
      }
      say(
        `the server stopped (${signal ?? `exit code ${code}`}); fix the error above and save: ` +
          "it restarts on the next change",
      );
    });
  };

  const restart = (reason: string) => {
    if (restarting || stopping) return;
    restarting = true;
    say(`${reason}: restarting…`);
    const old = child;
    const again = () => {
      restarting = false;
      start();
    };
    if (old && old.exitCode == null && old.signalCode == null) {
      old.once("exit", again);
      old.kill("SIGTERM");
    } else again();
  };

  let timer: NodeJS.Timeout | null = null;
  // chokidar, not fs.watch: editors that save by writing a temporary file and renaming it over the
  // original (vim, JetBrains) replace the watched inode; `atomic` reports that as one change.
  const watcher = watch(projectDir, {
    ignoreInitial: true,
    atomic: true,
    ignored: (file) => IGNORED.test(path.relative(projectDir, file)),
  });
  watcher.on("all", (_event, file) => {
    if (!WATCHED.test(path.basename(file))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => restart(`${path.relative(projectDir, file)} changed`), 200);
  });
  watcher.on("error", (error) => say(`file watcher error: ${(error as Error).message}`));

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopping = true;
      void watcher.close();
      const current = child as ChildProcess | null;
      if (current && current.exitCode == null && current.signalCode == null) {
        current.once("exit", () => process.exit(0));
        current.kill("SIGTERM");
      } else process.exit(0);
    });
  }
  // From a source checkout, the admin UI is built (or rebuilt when its sources changed) beside the
  // server's start: `/admin` answers 503 until it is there.
  void ensureAdminUi(undefined, say).catch((error: Error) =>
    say(`the admin UI could not be built (${error.message}); /admin answers 503`),
  );
  start();
}
