/**
 * The embedded database worker: runs inside a `worker_threads` Worker started by
 * `worker-client.ts`, opens PGlite there (`options.ts`) and answers the requests of
 * `worker-protocol.ts`. PGlite executes each statement synchronously in WebAssembly; here that
 * holds this thread, never the server's HTTP event loop.
 */
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

try {
  const pg = await openEmbeddedPGlite((workerData as { dataDir: string | null }).dataDir);
  await serve(pg);
  send({ type: "ready" });
} catch (error) {
  send({ type: "failed", error: toWire(error) });
}
