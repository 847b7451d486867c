/**
 * Builds the admin UI (`ui/dist`) on demand in a source checkout: `olg dev` and the browser tests
 * call `ensureAdminUi()`, which builds when `ui/dist` is missing or older than any file under
 * `ui/src` (or `ui/index.html`, `ui/vite.config.ts`). An installed package ships `ui/dist` and no
 * `ui/src`, so nothing happens there. Concurrent callers (test files in parallel) share one build:
 * the first takes a lock folder (`ui/.build-lock`, atomic `mkdir`), the others wait for it and
 * re-check. The build goes to a temporary folder renamed into place, so a server never reads a
 * half-written `ui/dist`. The same function builds any Vite project laid out alike (the
 * generative-UI examples: `examples/generative-ui/<framework>`).
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's `ui/` folder. */
export const UI_ROOT = fileURLToPath(new URL("../../ui/", import.meta.url));

/** A lock older than this is a hung build's and is taken over (ms). */
const STALE_LOCK_MS = 3 * 60_000;

function newestMtime(entry: string): number {
  const info = statSync(entry, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(entry))
    newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/**
 * Whether `ui/dist` is missing or older than its sources; false without sources. `extra`: more
 * source paths (absolute) the build reads, e.g. a folder shared by several Vite projects.
 */
export function adminUiStale(root: string = UI_ROOT, extra: string[] = []): boolean {
  if (!existsSync(path.join(root, "src"))) return false;
  const built = statSync(path.join(root, "dist", "index.html"), { throwIfNoEntry: false });
  if (!built) return true;
  const sources = [
    ...["src", "index.html", "vite.config.ts"].map((f) => path.join(root, f)),
    ...extra,
  ].map(newestMtime);
  return Math.max(...sources) > built.mtimeMs;
}

function runVite(root: string, outDir: string): Promise<void> {
  const vite = path.join(
    path.dirname(createRequire(import.meta.url).resolve("vite/package.json")),
    "bin",
    "vite.js",
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [vite, "build", root, "--outDir", outDir, "--emptyOutDir", "--logLevel", "error"],
      // A production build whatever the caller's NODE_ENV (vitest sets "test", `olg dev`
      // "development"): Vite honours NODE_ENV, and React's development build is several times
      // slower and double-invokes effects under StrictMode.
      { stdio: ["ignore", "inherit", "pipe"], env: { ...process.env, NODE_ENV: "production" } },
    );
    // Our process exiting mid-build (Ctrl-C on `olg dev`) takes the build with it.
    const onExit = () => child.kill("SIGKILL");
    process.once("exit", onExit);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      process.off("exit", onExit);
      if (code === 0) resolve();
      else reject(new Error(`vite build of ${root} failed (${code}):\n${stderr}`));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the lock folder (holding our pid); a dead or hung holder's lock is removed. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(path.join(lock, "pid"), String(process.pid));
    return true;
  } catch {
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    let holder = 0;
    try {
      holder = Number(readFileSync(path.join(lock, "pid"), "utf8").trim());
    } catch {
      // no pid yet, or the lock is gone already
    }
    // A holder that has not written its pid yet is given a moment.
    const dead = holder > 0 ? !alive(holder) : age > 10_000;
    if (dead || age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

/**
 * Builds `ui/dist` when stale (see above). Resolves to `"built"`, `"fresh"` (nothing to do) or
 * `"skipped"` (no sources: an installed package). Throws when the build fails (vite's messages).
 */
export async function ensureAdminUi(
  root: string = UI_ROOT,
  log: (message: string) => void = () => {},
  extra: string[] = [],
): Promise<"built" | "fresh" | "skipped"> {
  if (!existsSync(path.join(root, "src"))) return "skipped";
  const lock = path.join(root, ".build-lock");
  for (;;) {
    if (!adminUiStale(root, extra)) return "fresh";
    if (tryLock(lock)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tmp = path.join(root, `.dist-${process.pid}`);
  const release = () => {
    rmSync(lock, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once("exit", release);
  try {
    if (!adminUiStale(root, extra)) return "fresh";
    log("building the admin UI (ui/dist)…");
    await runVite(root, tmp);
    const dist = path.join(root, "dist");
    rmSync(dist, { recursive: true, force: true });
    renameSync(tmp, dist);
    return "built";
  } finally {
    process.off("exit", release);
    release();
  }
}

// `npm run build:ui` (and so `npm run build` / `prepack`): build when stale, say what happened.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureAdminUi(UI_ROOT, (m) => console.error(m)).then(
    (result) => console.error(`admin UI: ${result}`),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
