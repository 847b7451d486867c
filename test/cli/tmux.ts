/**
 * A pseudo-terminal for interactive CLI tests: a private tmux server (its own socket, registered
 * with the janitor so it never outlives the tests) running one command; keys go in with
 * `send-keys`, the screen comes out with `capture-pane`.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { guardPid, releasePid } from "../support/cleanup.ts";

const exec = promisify(execFile);

/** One tmux session running a command. */
export class Terminal {
  private readonly socket = `olg-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private pid: number | null = null;

  private tmux(...args: string[]) {
    return exec("tmux", ["-L", this.socket, ...args], { timeout: 10_000 });
  }

  /** Starts `command` (a shell line) in a 120x40 terminal. */
  async start(command: string, env: Record<string, string> = {}): Promise<void> {
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}='${v}';`)
      .join(" ");
    await this.tmux(
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      "120",
      "-y",
      "40",
      `unset CI FORCE_COLOR; ${exports} ${command}; echo "EXIT=$?"; sleep 600`,
    );
    const { stdout } = await this.tmux("display-message", "-p", "#{pid}");
    this.pid = Number(stdout.trim());
    guardPid(this.pid);
  }

  /** The visible screen. */
  async screen(): Promise<string> {
    const { stdout } = await this.tmux("capture-pane", "-p", "-t", "t");
    return stdout;
  }

  /** Sends keys (tmux key names: Enter, Down, Left, C-c, or literal text with `literal`). */
  async keys(keys: string[], literal = false): Promise<void> {
    await this.tmux("send-keys", "-t", "t", ...(literal ? ["-l"] : []), ...keys);
  }

  /** Waits until the screen matches `pattern`; returns the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      last = await this.screen();
      if (pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${pattern} on screen:\n${last}`);
  }

  /** Stops the tmux server and everything in it. */
  async close(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
    if (this.pid != null) releasePid(this.pid);
  }
}
