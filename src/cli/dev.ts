/**
 * `olg dev`: the embedded default with pretty logs, restarted when project files change. The server
 * runs in a child process so a reload starts from a clean module cache; the parent waits for the
 * child to exit (PGlite's data folder is single-process) before starting the next one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { watch } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CliFlags, loadSettings } from "../config/load.ts";
import { runServe } from "./serve.ts";

const IGNORED = /(^|[/\\])(node_modules|\.olg|\.git|\.langgraph_api|dist)([/\\]|$)/;

/** Runs the dev server; with `reload`, restarts it on changes under the project folder. */
export async function runDev(flags: CliFlags, reload: boolean): Promise<void> {
  if (!reload || process.env.OLG_DEV_CHILD === "1") {
    await runServe(loadSettings("dev", flags));
    return;
  }
  const settings = loadSettings("dev", flags);
  const bin = fileURLToPath(new URL("../../bin/olg.js", import.meta.url));
  const args = process.argv.slice(2);
  let child: ChildProcess | null = null;
  const start = () => {
    child = spawn(process.execPath, [bin, ...args], {
      stdio: "inherit",
      env: { ...process.env, OLG_DEV_CHILD: "1" },
    });
    child.on("exit", (code, signal) => {
      if (!restarting && signal == null) process.exit(code ?? 0);
    });
  };
  let restarting = false;
  let timer: NodeJS.Timeout | null = null;
  const restart = () => {
    if (restarting) return;
    restarting = true;
    console.log("[olg dev] change detected, restarting…");
    const old = child;
    const again = () => {
      restarting = false;
      start();
    };
    if (old && old.exitCode == null) {
      old.once("exit", again);
      old.kill("SIGTERM");
    } else again();
  };
  watch(settings.cwd, { recursive: true }, (_event, file) => {
    if (!file || IGNORED.test(file) || !/\.(m?[jt]sx?|json|env)$/.test(path.basename(file))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(restart, 200);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      restarting = true;
      if (child && child.exitCode == null) {
        child.once("exit", () => process.exit(0));
        child.kill("SIGTERM");
      } else process.exit(0);
    });
  }
  start();
}
