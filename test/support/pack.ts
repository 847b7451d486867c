/**
 * Our package as `npm pack` makes it (running `prepack`: dist/ compiled and the admin UI built),
 * made once per `vitest run` and shared by its test processes: the integration project's global
 * setup (pack-setup.ts) provides an empty folder; the first process that needs the tarball claims
 * it (a lock file created exclusively, holding its pid), packs into it and writes `tarball.json`
 * (`{ "file": absolute path }`); the others wait for that file, polling every 500 ms. The setup's
 * teardown removes the folder. Without that folder (a config that does not provide it) each process
 * packs into its own temporary folder, removed by `removePack()`.
 * Errors: a failed pack is written to `error.txt` and thrown in every waiting process too; a packer
 * process that died before writing either file, or a pack over 10 minutes, fails the waiters.
 */
import { execFile } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { inject } from "vitest";
import { ROOT } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's shared folder for the packed tarball (pack-setup.ts). */
    packDir: string;
  }
}

const run = promisify(execFile);
const PACK_MS = 600_000;

/** Runs `npm pack` of the repository into `dest`; returns the tarball's path. */
async function npmPack(dest: string): Promise<string> {
  const { stdout } = await run("npm", ["pack", "--pack-destination", dest, "--silent"], {
    cwd: ROOT,
    timeout: PACK_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  return path.join(dest, stdout.trim().split("\n").pop()!);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Packs into `dir` if no other process of the run has claimed it, else waits for that pack. */
async function sharedPack(dir: string): Promise<string> {
  const lock = path.join(dir, "lock");
  const done = path.join(dir, "tarball.json");
  const failed = path.join(dir, "error.txt");
  let fd: number | null = null;
  try {
    fd = openSync(lock, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  if (fd != null) {
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    try {
      const file = await npmPack(dir);
      writeFileSync(done, JSON.stringify({ file }));
      return file;
    } catch (error) {
      writeFileSync(failed, String((error as Error).stack ?? error));
      throw error;
    }
  }
  const deadline = Date.now() + PACK_MS;
  while (Date.now() < deadline) {
    if (existsSync(done)) return JSON.parse(readFileSync(done, "utf-8")).file;
    if (existsSync(failed)) {
      throw new Error(`npm pack failed in another test process:\n${readFileSync(failed, "utf-8")}`);
    }
    // The pid is written just after the lock is created: an empty file is a packer starting.
    const pid = Number(readFileSync(lock, "utf-8"));
    if (pid && !alive(pid)) throw new Error(`the test process packing (pid ${pid}) died`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no tarball in ${dir} after ${PACK_MS} ms`);
}

let packed: Promise<string> | null = null;
let ownDir: string | null = null;

/** The run's tarball of our package (packed by this process or another one of the run). */
export function packOnce(): Promise<string> {
  packed ??= (() => {
    const shared = inject("packDir");
    if (shared) return sharedPack(shared);
    ownDir = mkdtempSync(path.join(tmpdir(), "olg-pack-"));
    return npmPack(ownDir);
  })();
  return packed;
}

/** Removes the tarball's folder if this process made its own (a shared one is the setup's). */
export async function removePack(): Promise<void> {
  if (!packed) return;
  await packed.catch(() => null);
  packed = null;
  if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  ownDir = null;
}
