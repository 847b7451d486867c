/**
 * A fresh in-memory PGlite without running initdb every time. Creating an empty cluster costs
 * about 4 s of CPU (initdb inside WebAssembly) and happens on every in-memory start (tests,
 * `--in-memory`, benchmarks); loading a tarball of an identical freshly created cluster costs about
 * 0.6 s. So the first in-memory start dumps its untouched cluster (`dumpDataDir`, uncompressed,
 * ~40 MB) to `<os tmp>/olg-pglite/<key>.tar`, and later starts load it (`loadDataDir`). The key
 * hashes everything that shapes an empty cluster: the PGlite and pgvector versions, the extensions
 * and the start parameters.
 * Nothing is in the snapshot but the empty cluster: migrations still run on every start. A missing,
 * unreadable or corrupt snapshot falls back to a normal start (and the file is rewritten).
 * A new data folder (`--data-dir` naming a missing or empty folder) is filled from the same
 * snapshot when there is one (`openFreshOnDisk`): the same files initdb would write, 0.7 s of CPU
 * instead of 4 s. A folder that already holds a cluster opens as it is.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, openAsBlob, readdirSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";

const require = createRequire(import.meta.url);

/** Version of an installed package, found next to its resolved entry point. */
function versionOf(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg));
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    try {
      const meta = require(path.join(dir, "package.json")) as { name?: string; version?: string };
      if (meta.name === pkg && meta.version) return meta.version;
    } catch {
      // not this folder
    }
  }
  return "unknown";
}

/** The snapshot file for an empty cluster created with these extensions (by name) and options. */
export function snapshotPath(
  extensionNames: string[],
  startParams: string[] = [],
  dir = path.join(tmpdir(), "olg-pglite"),
) {
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        format: 1,
        pglite: versionOf("@electric-sql/pglite"),
        pgvector: versionOf("@electric-sql/pglite-pgvector"),
        extensions: [...extensionNames].sort(),
        startParams,
      }),
    )
    .digest("hex")
    .slice(0, 16);
  return path.join(dir, `${key}.tar`);
}

async function loadSnapshot(
  file: string,
  options: PGliteOptions,
  dataDir?: string,
): Promise<PGlite | null> {
  let blob: Blob;
  try {
    blob = await openAsBlob(file);
  } catch {
    return null; // no snapshot yet
  }
  try {
    const withDump = { ...options, loadDataDir: blob };
    const pg = dataDir ? new PGlite(dataDir, withDump) : new PGlite(withDump);
    await pg.waitReady;
    return pg;
  } catch {
    await rm(file, { force: true }); // corrupt or from an incompatible build: start afresh
    return null;
  }
}

async function saveSnapshot(pg: PGlite, file: string): Promise<void> {
  try {
    const dump = await pg.dumpDataDir("none");
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, file); // atomic: concurrent starts never read half a file
  } catch {
    // a read-only or full temp folder only costs the next start its speed-up
  }
}

/**
 * Opens an empty in-memory PGlite with `options`, from the snapshot in `dir` when there is one;
 * `fromSnapshot` tells which way it went.
 */
export async function openFreshInMemory(
  options: PGliteOptions,
  dir?: string,
): Promise<PGlite & { fromSnapshot?: boolean }> {
  const file = snapshotPath(Object.keys(options.extensions ?? {}), options.startParams, dir);
  const loaded = await loadSnapshot(file, options);
  if (loaded) return Object.assign(loaded, { fromSnapshot: true });
  const pg = new PGlite(options);
  await pg.waitReady;
  await saveSnapshot(pg, file);
  return pg;
}

/** Entries of `dir` (none when it does not exist). */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Opens PGlite at `dataDir` (which must exist). A folder without a cluster (no `PG_VERSION`) and
 * with nothing in it but `keep` (the data folder's lock file) is filled from the snapshot of an empty
 * cluster when there is one; a snapshot that fails to load is deleted, the files it left are
 * removed, and initdb runs as without a snapshot. `fromSnapshot` tells which way it went.
 */
export async function openFreshOnDisk(
  dataDir: string,
  options: PGliteOptions,
  keep: readonly string[] = [],
  dir?: string,
): Promise<PGlite & { fromSnapshot?: boolean }> {
  const before = entriesOf(dataDir);
  const fresh =
    !existsSync(path.join(dataDir, "PG_VERSION")) && before.every((e) => keep.includes(e));
  if (fresh) {
    const file = snapshotPath(Object.keys(options.extensions ?? {}), options.startParams, dir);
    const loaded = await loadSnapshot(file, options, dataDir);
    if (loaded) return Object.assign(loaded, { fromSnapshot: true });
    for (const entry of entriesOf(dataDir))
      if (!before.includes(entry)) await rm(path.join(dataDir, entry), { recursive: true });
  }
  const pg = new PGlite(dataDir, options);
  await pg.waitReady;
  return pg;
}
