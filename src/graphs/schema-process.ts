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
 * with its error, or with "Schema extract timed out" (the child is killed) after `timeoutMs`.
 */
import { fork } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";

/** Niceness of the parser process (0 normal … 19 lowest). */
const PARSER_NICENESS = 10;

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
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(() => reject(new Error("Schema extract timed out")));
    }, options.timeoutMs);
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
