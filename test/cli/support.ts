/**
 * Runs `olg` as a user would: a child process (`node bin/olg.js …`) in a temporary folder, with
 * a deadline after which the whole process group is killed, and temp folders removed after use.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BIN } from "../support/server.ts";

/** What a finished command left. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of `olg()` and `spawnOlg()`. */
export interface OlgOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Kill after this many ms (default 180 s: a loaded CI box is slow). */
  timeoutMs?: number;
}

const made: string[] = [];

/** A fresh temporary folder, removed by `cleanupTemp()`. */
export function tempDir(prefix = "olg-cli-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes the given folders made by `tempDir()` (all of them when none is given). */
export function cleanupTemp(...dirs: string[]): void {
  const which = dirs.length ? dirs : made.slice();
  for (const dir of which) {
    rmSync(dir, { recursive: true, force: true });
    if (made.includes(dir)) made.splice(made.indexOf(dir), 1);
  }
}

function envOf(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CI: "true" };
  delete env.FORCE_COLOR;
  delete env.DATABASE_URL;
  delete env.OLG_URL;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Starts `olg args…` in the background (its own process group, so a kill takes its children). */
export function spawnOlg(args: string[], o: OlgOptions): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: o.cwd,
    env: envOf(o.env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
}

/** Kills a process group started by `spawnOlg` and waits for it. */
export async function killOlg(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs `olg args…` to completion (killed at the deadline) and returns its output. */
export async function olg(args: string[], o: OlgOptions): Promise<Ran> {
  const child = spawnOlg(args, o);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => void killOlg(child, "SIGKILL"), o.timeoutMs ?? 180_000);
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
