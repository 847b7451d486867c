/**
 * One process per PGlite data folder. PGlite is PostgreSQL in a single process with no lock of its
 * own, so a second process on the same folder (`olg keys create` beside a running `olg dev`, a second
 * server) wrote rows the first never saw and could overwrite its files. The holder writes its pid to
 * `<dataDir>/olg.pid` (exclusive create), as PostgreSQL's postmaster.pid does; another process is
 * refused while that pid is alive, and takes the file over when it is not (a holder that was killed).
 * Opens within one process share the lock (counted); it is removed at the last close or at exit.
 * `waitForDataDir` gives a holder that is exiting (a restart) a few seconds to let go.
 */
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";

/** The lock file's name inside the data folder. */
export const LOCK_FILE = "olg.pid";

/** Another live process holds the data folder. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by process ${pid} (a running server?): stop it first, or use the running server's API (PGlite serves one process at a time)`,
    );
    this.name = "DataDirInUseError";
  }
}

const held = new Map<string, number>();
let exitHook = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holderOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function removeIfOurs(file: string): void {
  if (holderOf(file) === process.pid) rmSync(file, { force: true });
}

/**
 * Takes the lock of `dataDir` (created if missing) for this process; returns its release.
 * Throws `DataDirInUseError` while another live process holds it.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const dir = realpathSync(dataDir);
  const file = path.join(dir, LOCK_FILE);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const count = (held.get(dir) ?? 1) - 1;
    if (count > 0) return void held.set(dir, count);
    held.delete(dir);
    removeIfOurs(file);
  };
  const count = held.get(dir);
  if (count) {
    held.set(dir, count + 1);
    return release;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const pid = holderOf(file);
    if (pid !== undefined && pid !== process.pid && alive(pid))
      throw new DataDirInUseError(dataDir, pid);
    if (attempt > 0) throw new DataDirInUseError(dataDir, pid ?? 0);
    rmSync(file, { force: true }); // left by a holder that ended without closing
  }
  held.set(dir, 1);
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const d of held.keys()) removeIfOurs(path.join(d, LOCK_FILE));
    });
  }
  return release;
}

/** `lockDataDir`, retried for up to `waitMs` while the holder is alive (it may be exiting). */
export async function waitForDataDir(dataDir: string, waitMs = 3_000): Promise<() => void> {
  for (const end = Date.now() + waitMs; ; ) {
    try {
      return lockDataDir(dataDir);
    } catch (error) {
      if (!(error instanceof DataDirInUseError) || Date.now() >= end) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
