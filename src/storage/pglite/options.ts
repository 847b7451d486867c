/**
 * How the embedded PGlite is opened, wherever it runs (the server's thread or the database worker,
 * `worker-host.ts`): pgvector loaded, a small `shared_buffers`, `bytea` converted in native code,
 * and a new cluster (in memory, or a new data folder) started from a snapshot (`snapshot.ts`).
 */
import { mkdirSync } from "node:fs";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { LOCK_FILE } from "./data-dir-lock.ts";
import { openFreshInMemory, openFreshOnDisk } from "./snapshot.ts";

/** Postgres type id of `bytea`. */
const BYTEA = 17;

/**
 * `bytea` to and from PGlite's text form (`\\x` + hex) in native code. PGlite's own converters
 * build one JS string per byte: a 2 MB checkpoint cost seconds of event loop and hundreds of MB of
 * garbage per write and per read.
 */
const byteaCodec = {
  serialize(value: unknown): string {
    if (!(value instanceof Uint8Array)) throw new Error("Invalid input for bytea type");
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  },
  parse(text: string): Uint8Array {
    // A copy of its own (not a view on Buffer's shared pool): rows cross threads by structured
    // clone, which copies a view's whole underlying buffer.
    return new Uint8Array(Buffer.from(text.slice(2), "hex"));
  },
};

/**
 * PostgreSQL's 128 MB default `shared_buffers` is zeroed inside the WASM heap at start and stays
 * resident; one embedded connection on a small database does not need it (the OS file cache, or
 * the in-memory file system, holds the data anyway). 16 MB saves about 90 MB of resident memory.
 */
const EMBEDDED_SETTINGS = ["-c", "shared_buffers=16MB"];

/** The options every embedded PGlite is opened with. */
export function embeddedOptions(): PGliteOptions {
  return {
    // pgvector is loaded so semantic store search uses real `vector` columns, as on PostgreSQL.
    extensions: { vector },
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    serializers: { [BYTEA]: byteaCodec.serialize },
    parsers: { [BYTEA]: byteaCodec.parse },
  };
}

/** Opens PGlite at `dataDir` (created if missing), or in memory when `dataDir` is null. */
export async function openEmbeddedPGlite(dataDir: string | null): Promise<PGlite> {
  const options = embeddedOptions();
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // From a snapshot of an empty cluster (snapshot.ts) instead of initdb: every in-memory start,
  // and a new data folder (empty but for its lock file).
  const pg = dataDir
    ? await openFreshOnDisk(dataDir, options, [LOCK_FILE])
    : await openFreshInMemory(options);
  await pg.waitReady;
  return pg;
}
