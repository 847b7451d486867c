/**
 * `olg migrate`, `migrate --dry-run` and `migrate status` as child processes, on the embedded
 * database in a temp folder and on a fresh PostgreSQL database (dropped afterwards).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/storage/migrate.ts";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../support/server.ts";
import { cleanupTemp, olg, tempDir } from "./support.ts";

const pgUp = await postgresAvailable();
const versions = MIGRATIONS.map((m) => m.version);

async function walkthrough(cwd: string, env: Record<string, string>, dataDir?: string) {
  // Nothing is applied yet, so these four only read (the embedded database is not even opened):
  // they run at once.
  const [status0, check0, dry, dryJsonRun] = await Promise.all([
    olg(["migrate", "status", "--json"], { cwd, env }),
    olg(["migrate", "status", "--check"], { cwd, env }),
    olg(["migrate", "--dry-run"], { cwd, env }),
    olg(["migrate", "--dry-run", "--json"], { cwd, env }),
  ]);
  expect(status0.code).toBe(0);
  const before = JSON.parse(status0.stdout);
  expect(before.pending).toBe(versions.length);
  expect(before.migrations.every((m: { appliedAt: unknown }) => m.appliedAt === null)).toBe(true);
  // Neither status nor the dry run ever creates the database.
  if (dataDir) expect(existsSync(dataDir)).toBe(false);

  expect(check0.code).toBe(1);
  expect(check0.stdout).toMatch(/initial\s+pending/);

  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain("CREATE TABLE IF NOT EXISTS assistants");
  expect(dry.stdout).toContain(`-- ${String(versions.length).padStart(3, "0")}_`);
  const dryJson = JSON.parse(dryJsonRun.stdout);
  expect(dryJson.pending.map((m: { version: number }) => m.version)).toEqual(versions);
  // The dry runs changed nothing.
  expect(
    JSON.parse((await olg(["migrate", "status", "--json"], { cwd, env })).stdout).pending,
  ).toBe(versions.length);

  const applied = await olg(["migrate", "--json"], { cwd, env });
  expect(applied.code).toBe(0);
  expect(JSON.parse(applied.stdout).applied).toEqual(versions);

  // One at a time from here: each opens the database (an embedded one admits one process).
  const after = JSON.parse((await olg(["migrate", "status", "--json"], { cwd, env })).stdout);
  expect(after.pending).toBe(0);
  expect(
    after.migrations.every((m: { appliedAt: string }) => !Number.isNaN(Date.parse(m.appliedAt))),
  ).toBe(true);
  expect((await olg(["migrate", "status", "--check"], { cwd, env })).code).toBe(0);
  const dryNow = await olg(["migrate", "--dry-run"], { cwd, env });
  expect(dryNow.stdout).toContain("nothing would run");
  const again = await olg(["migrate"], { cwd, env });
  expect(again.stdout).toContain("up to date");
}

// The backends' walkthroughs (child processes, each in its own folder) run at the same time.
describe.concurrent("olg migrate", { timeout: 600_000 }, () => {
  const cwd = tempDir();
  afterAll(() => cleanupTemp()); // every folder this file made

  it("on the embedded database: status, dry run, apply", async () => {
    const own = tempDir();
    await walkthrough(own, {}, path.join(own, ".olg/data"));
  });

  // Registered only when PostgreSQL answers (as the conformance suite does): never a silent pass.
  if (pgUp)
    it("on PostgreSQL: status, dry run, apply", async () => {
      const url = await createTestDatabase("h18_migrate");
      try {
        await walkthrough(tempDir(), { DATABASE_URL: url });
      } finally {
        await dropTestDatabase(url);
      }
    });

  it("exits 3 when the database cannot be reached", async () => {
    const r = await olg(["migrate", "status"], {
      cwd,
      env: { DATABASE_URL: "postgres://nobody@127.0.0.1:9/none" },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("cannot open the database");
  });
});
