/**
 * Unit: an empty in-memory PGlite from the snapshot of a freshly created cluster (snapshot.ts) is
 * as usable as one from initdb, holds nothing of the instance the snapshot came from, and a
 * corrupt snapshot falls back to initdb and is rewritten. A new data folder filled from the snapshot
 * holds the same cluster as one initdb made (catalog, settings, databases, roles, files), keeps
 * what is written to it across a reopen, and a folder that already holds a cluster is opened as it is.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { afterAll, describe, expect, it } from "vitest";
import {
  openFreshInMemory,
  openFreshOnDisk,
  snapshotPath,
} from "../../src/storage/pglite/snapshot.ts";

describe("openFreshInMemory", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts from a snapshot of an empty cluster; a corrupt one is replaced", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "olg-pglite-snap-"));
    const startParams = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];
    const options = { extensions: { vector }, startParams };
    const file = snapshotPath(["vector"], startParams, dir);
    expect(path.dirname(file)).toBe(dir);
    // Another extension set or other start parameters: another file.
    expect(snapshotPath([], startParams, dir)).not.toBe(file);
    expect(snapshotPath(["vector"], PGlite.defaultStartParams, dir)).not.toBe(file);
    await writeFile(file, "not a tarball");
    const first = await openFreshInMemory(options, dir);
    expect(first.fromSnapshot).toBeUndefined();
    await first.exec("CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE t (v vector(2))");
    await first.query("INSERT INTO t VALUES ('[1,2]')");
    await first.close();
    expect((await stat(file)).size).toBeGreaterThan(1_000_000);

    const second = await openFreshInMemory(options, dir);
    expect(second.fromSnapshot).toBe(true);
    // Empty: nothing the first instance wrote after its start is in the snapshot.
    const tables = await second.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(tables.rows[0]!.n).toBe(0);
    await second.exec("CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE t (v vector(2))");
    await second.query("INSERT INTO t VALUES ('[3,4]')");
    const rows = await second.query<{ v: string }>("SELECT v::text AS v FROM t");
    expect(rows.rows).toEqual([{ v: "[3,4]" }]);
    await second.close();
    expect(existsSync(file)).toBe(true);
  }, 120_000);
});

/** What tells two empty clusters apart: catalog, settings, databases, roles, extensions. */
async function clusterShape(pg: PGlite): Promise<string> {
  const q = async (sql: string) => (await pg.query(sql)).rows;
  return JSON.stringify({
    classes: await q(
      "SELECT relname, relkind, relnamespace::regnamespace::text AS ns FROM pg_class ORDER BY 1, 3",
    ),
    procs: await q("SELECT count(*)::int AS n FROM pg_proc"),
    settings: await q(
      "SELECT name, setting FROM pg_settings WHERE name NOT IN ('data_directory', 'config_file', 'hba_file', 'ident_file') ORDER BY 1",
    ),
    databases: await q(
      "SELECT datname, encoding, datcollate, datctype, datallowconn FROM pg_database ORDER BY 1",
    ),
    roles: await q("SELECT rolname, rolsuper FROM pg_roles ORDER BY 1"),
    extensions: await q("SELECT name, default_version FROM pg_available_extensions ORDER BY 1"),
  });
}

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string, prefix = ""): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => {
      const rel = path.join(prefix, e.name);
      return e.isDirectory() ? [`${rel}/`, ...tree(dir, rel)] : [rel];
    })
    .sort();
}

describe("openFreshOnDisk", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("fills a new data folder from the snapshot: the cluster initdb makes, kept on disk", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "olg-pglite-disk-"));
    const startParams = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];
    const options = { extensions: { vector }, startParams };
    const snapshots = path.join(dir, "snapshots");
    const byInitdb = path.join(dir, "initdb");
    const bySnapshot = path.join(dir, "snapshot");
    const corrupt = path.join(dir, "corrupt");
    for (const d of [byInitdb, bySnapshot, corrupt]) await mkdir(d);
    // No snapshot yet: initdb, as before.
    const a = await openFreshOnDisk(byInitdb, options, [], snapshots);
    expect(a.fromSnapshot).toBeUndefined();
    await (await openFreshInMemory(options, snapshots)).close(); // writes the snapshot
    // A new folder holding only its lock file: from the snapshot, the same cluster and files.
    await writeFile(path.join(bySnapshot, "olg.pid"), "1");
    const b = await openFreshOnDisk(bySnapshot, options, ["olg.pid"], snapshots);
    expect(b.fromSnapshot).toBe(true);
    const shape = await clusterShape(a);
    expect(await clusterShape(b)).toBe(shape);
    expect(tree(bySnapshot).filter((f) => f !== "olg.pid")).toEqual(tree(byInitdb));
    await b.exec("CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE t (v vector(2))");
    await b.query("INSERT INTO t VALUES ('[3,4]')");
    await b.close();
    // A folder with a cluster opens as it is: the row is there, no snapshot involved.
    const reopened = await openFreshOnDisk(bySnapshot, options, ["olg.pid"], snapshots);
    expect(reopened.fromSnapshot).toBeUndefined();
    const rows = await reopened.query<{ v: string }>("SELECT v::text AS v FROM t");
    expect(rows.rows).toEqual([{ v: "[3,4]" }]);
    await reopened.close();
    // A corrupt snapshot: deleted, nothing of it left in the folder, then initdb.
    const file = snapshotPath(["vector"], startParams, snapshots);
    await writeFile(file, "not a tarball");
    const c = await openFreshOnDisk(corrupt, options, [], snapshots);
    expect(c.fromSnapshot).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    expect(await clusterShape(c)).toBe(shape);
    await Promise.all([a.close(), c.close()]);
  }, 180_000);
});
