/**
 * Unit: an empty in-memory PGlite from the snapshot of a freshly created cluster (snapshot.ts) is
 * as usable as one from initdb, holds nothing of the instance the snapshot came from, and a
 * corrupt snapshot falls back to initdb and is rewritten.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { afterAll, describe, expect, it } from "vitest";
import { openFreshInMemory, snapshotPath } from "../../src/storage/pglite/snapshot.ts";

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
