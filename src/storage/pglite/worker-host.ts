/**
 * The embedded database worker: runs inside a `worker_threads` Worker started by
 * `worker-client.ts`, opens PGlite there (`options.ts`) and answers the requests of
 * `worker-protocol.ts`. PGlite executes each statement synchronously in WebAssembly; here that
 * holds this thread, never the server's HTTP event loop.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import type { PGlite } from "@electric-sql/pglite";
import { openEmbeddedPGlite } from "./options.ts";
import { toWire, type WorkerMessage, type WorkerRequest } from "./worker-protocol.ts";

const port = parentPort!;
const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

/** Buffers of the `bytea` cells of `rows` (each owns its buffer, see options.ts): moved, not copied. */
function transferables(rows: Record<string, unknown>[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const row of rows)
    for (const key in row) {
      const value = row[key];
      if (value instanceof Uint8Array && value.byteLength > 4096)
        out.add(value.buffer as ArrayBuffer);
    }
  return [...out];
}

async function serve(pg: PGlite) {
  const unsubscribe = new Map<number, () => Promise<void>>();
  const handle = async (req: WorkerRequest): Promise<void> => {
    try {
      switch (req.op) {
        case "query": {
          const result = await pg.query<Record<string, unknown>>(req.sql, req.params, {
            rowMode: "object",
          });
          send(
            { type: "reply", id: req.id, rows: result.rows, affectedRows: result.affectedRows },
            transferables(result.rows),
          );
          return;
        }
        case "listen":
          unsubscribe.set(
            req.lid,
            await pg.listen(req.channel, (payload) =>
              send({ type: "notify", lid: req.lid, payload }),
            ),
          );
          break;
        case "unlisten":
          await unsubscribe.get(req.lid)?.();
          unsubscribe.delete(req.lid);
          break;
        case "close":
          if (!pg.closed) await pg.close();
          send({ type: "reply", id: req.id });
          port.close();
          return;
      }
      send({ type: "reply", id: req.id });
    } catch (error) {
      send({ type: "reply", id: req.id, error: toWire(error) });
    }
  };
  port.on("message", (req: WorkerRequest) => void handle(req));
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
  await serve(pg);
  collectOnce();
  send({ type: "ready" });
} catch (error) {
  send({ type: "failed", error: toWire(error) });
}
