// The static schema parser's process (started by schema-process.ts): receives one input of
// `getStaticGraphSchema` (a spec or a map of specs) over IPC, answers { ok, result } or
// { ok: false, error }, and exits, also when the server's IPC channel closes. Plain JavaScript: it
// needs no TypeScript loader (the parser reads graph sources, it never imports them).
import process from "node:process";
import { Worker } from "node:worker_threads";
import { getStaticGraphSchema } from "@langchain/langgraph-api/schema";

// The server that asked is gone (stopped, killed): nobody reads the answer, so stop parsing.
process.once("disconnect", () => process.exit(0));
// The parse below holds this thread for seconds to minutes (a TypeScript program), so the
// disconnect above cannot fire while it runs: a watchdog thread ends the process as soon as its
// parent is gone (a SIGKILLed server left parsers running for a minute at full CPU).
const parent = process.ppid;
new Worker(
  `const { workerData } = require("node:worker_threads");
  setInterval(() => {
    if (process.ppid !== workerData.parent) process.kill(workerData.pid, "SIGKILL");
  }, 250);`,
  { eval: true, workerData: { parent, pid: process.pid } },
).unref();

process.once("message", async (input) => {
  let reply;
  try {
    reply = { ok: true, result: await getStaticGraphSchema(input, { mainThread: true }) };
  } catch (error) {
    reply = { ok: false, error: String(error?.message ?? error) };
  }
  process.send(reply, () => process.exit(0));
});
