/**
 * The embedded database worker: runs inside a `worker_threads` Worker started by
 * `worker-client.ts`, opens PGlite there (`options.ts`) and answers the requests of
 * `worker-protocol.ts`. PGlite executes each statement synchronously in WebAssembly; here that
 * holds this thread, never the server's HTTP event loop.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { PGlite } from "@electric-sql/pglite";
import { openEmbeddedPGlite } from "./options.ts";
import { toWire, type WorkerMessage, type WorkerRequest } from "./worker-protocol.ts";
import { type Client, Sessions } from "./worker-sessions.ts";

const port = parentPort!;
const send = (message: WorkerMessage) => port.postMessage(message);

/** The server's thread (primary) and every port attached later share the session (worker-sessions.ts). */
function serve(pg: PGlite) {
  const attach = (other: MessagePort) => {
    const client: Client = {
      primary: false,
      send: (m, transfer = []) => other.postMessage(m, transfer),
      close: () => other.close(),
    };
    other.on("message", (req: WorkerRequest) => sessions.submit(client, req));
    other.on("close", () => sessions.detach(client));
  };
  const sessions = new Sessions(pg, attach);
  const primary: Client = {
    primary: true,
    send: (m, transfer = []) => port.postMessage(m, transfer),
    close: () => port.close(),
  };
  port.on("message", (req: WorkerRequest) => sessions.submit(primary, req));
}

/**
 * A full collection once PGlite is open: loading it (the WebAssembly module, the file-system
 * bundle, an in-memory snapshot) leaves ~120 MB of dead ArrayBuffers, and this thread, idle until
 * queries come, would hold them for a long time (the server's thread collects as it serves).
 */
function collectOnce() {
  try {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  } catch {
    // no collector handle here: the garbage goes at the next natural collection
  }
}

/**
 * PGlite's WebAssembly runs on V8's baseline compiler only (Liftoff, `--liftoff-only`): tiering
 * hot functions up to TurboFan kept ~100 MB more resident for about the same CPU per statement
 * here (2,000 primary-key selects: 825-872 vs 848-911 ms CPU; 100 KB jsonb round trips up to 10%
 * slower). A process-wide V8 flag set before the module compiles (WebAssembly that graphs compile
 * later runs on Liftoff too); should Liftoff refuse the module, it is compiled again normally.
 */
async function open(dataDir: string | null): Promise<PGlite> {
  setFlagsFromString("--liftoff-only");
  try {
    return await openEmbeddedPGlite(dataDir);
  } catch (error) {
    if (!(error instanceof WebAssembly.CompileError)) throw error;
    setFlagsFromString("--no-liftoff-only");
    return openEmbeddedPGlite(dataDir);
  }
}

try {
  const pg = await open((workerData as { dataDir: string | null }).dataDir);
  serve(pg);
  collectOnce();
  send({ type: "ready" });
} catch (error) {
  send({ type: "failed", error: toWire(error) });
}
