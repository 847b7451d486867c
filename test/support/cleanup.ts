/**
 * Nothing a test starts outlives the test process: every spawned process and created database is
 * registered with a janitor process (janitor.mjs) that kills and drops whatever is left when this
 * process ends, however it ends (a start that timed out, a file that timed out, a killed worker).
 * Normal stops unregister, so the janitor has nothing to do on a clean run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

let janitor: ChildProcess | null = null;

function send(message: Record<string, unknown>): void {
  if (!janitor) {
    janitor = spawn(process.execPath, [fileURLToPath(new URL("./janitor.mjs", import.meta.url))], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    // Never keeps the test process alive; its channel closing is the janitor's signal.
    janitor.unref();
    (janitor.channel as { unref?: () => void } | undefined)?.unref?.();
  }
  if (janitor.connected) janitor.send(message);
}

/** Registers a spawned process; it is killed if still running when the test process ends. */
export function guardProcess<T extends ChildProcess>(child: T): T {
  const pid = child.pid;
  if (pid == null) return child;
  send({ type: "pid", pid });
  child.once("exit", () => send({ type: "pid-done", pid }));
  return child;
}

/** Registers a created database; it is dropped if still there when the test process ends. */
export function guardDatabase(url: string, adminUrl: string): void {
  send({ type: "db", url, adminUrl });
}

/** Unregisters a database the test dropped itself. */
export function releaseDatabase(url: string): void {
  send({ type: "db-done", url });
}

/** Registers a process by pid (one the test did not spawn itself, e.g. a tmux server). */
export function guardPid(pid: number): void {
  send({ type: "pid", pid });
}

/** Unregisters a pid registered with {@link guardPid} (the test stopped it). */
export function releasePid(pid: number): void {
  send({ type: "pid-done", pid });
}
