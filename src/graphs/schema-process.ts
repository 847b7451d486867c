/**
 * The official static schema parser (`getStaticGraphSchema` of `@langchain/langgraph-api`) in a
 * child process at low CPU priority, instead of upstream's worker thread in the server's process.
 * Building a TypeScript program of the graphs costs 7-20 CPU-seconds and a few hundred MB of heap:
 * in a thread of the server that heap stayed resident after the worker ended (RSS at rest ~690 MB
 * instead of ~430 MB on the example) and the work competed with HTTP for the CPU right after
 * `/ready`. A child process returns its memory when it exits, and at nice 10 the operating system
 * serves the HTTP process first (issue 24, goal 6).
 *
 * Same contract as `getStaticGraphSchema(input, { timeoutMs })`: resolves with its result, rejects
 * with its error, or with "Schema extract timed out" (the child is killed) once the child has used
 * `timeoutMs` of CPU time (user + system, read from `/proc/<pid>/stat` on Linux), or after ten times
 * `timeoutMs` of wall time whatever its CPU use. CPU time, not wall time, because a niced process on
 * a busy machine waits for the CPU without failing: a wall-clock limit turned a loaded minute into a
 * cached "timed out" and schemas without their enum types. Where `/proc` cannot be read, the limit
 * is `timeoutMs` of wall time.
 */
import { fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";

/** Niceness of the parser process (0 normal … 19 lowest). */
const PARSER_NICENESS = 10;

/** How often the parser's CPU time is checked against its limit, in ms. */
const CHECK_EVERY_MS = 500;

/** Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every Linux ABI). */
const USER_HZ = 100;

/**
 * CPU time (user + system, ms) of process `pid` from `/proc/<pid>/stat` (fields 14 and 15, after
 * the parenthesised command name; proc(5)), or undefined where it cannot be read.
 */
async function childCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the static parser on `input` in a child process. */
export function staticSchemaInChild(
  input: unknown,
  options: { timeoutMs: number },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./schema-process.mjs", import.meta.url)), [], {
      execArgv: [],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "advanced",
    });
    try {
      if (child.pid) setPriority(child.pid, PARSER_NICENESS);
    } catch {
      // not permitted here: it still runs off the server's process
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      fn();
    };
    const timeOut = () => {
      child.kill("SIGKILL");
      settle(() => reject(new Error("Schema extract timed out")));
    };
    const started = Date.now();
    const timer = setInterval(async () => {
      const cpuMs = child.pid ? await childCpuMs(child.pid) : undefined;
      const wallMs = Date.now() - started;
      if (wallMs >= options.timeoutMs * 10) return timeOut();
      if ((cpuMs ?? wallMs) >= options.timeoutMs) timeOut();
    }, CHECK_EVERY_MS);
    child.once("message", (m: { ok: boolean; result?: unknown; error?: string }) =>
      settle(() => (m.ok ? resolve(m.result) : reject(new Error(m.error)))),
    );
    child.once("error", (error) => settle(() => reject(error)));
    child.once("exit", (code, signal) =>
      settle(() => reject(new Error(`schema parser exited (${signal ?? code})`))),
    );
    child.send(input as object);
  });
}
