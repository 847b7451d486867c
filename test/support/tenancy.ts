/**
 * Helpers for tenancy tests: the first admin key through the CLI, more keys through the admin API,
 * and databases seeded with two orgs' keys once per backend (`keySeeds`).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { BIN, createTestDatabase, dropTestDatabase, ROOT } from "./server.ts";

/** The tenancy fixture config (graphs `agent`, `runs_steps`, `store_graph`). */
export const TENANCY_CONFIG = "test/fixtures/tenancy/open_langgraph.json";

/** `olg <args> --json` against a database (PGlite folder or DATABASE_URL); its parsed output. */
export async function olgJson(
  args: string[],
  db: { dataDir?: string; databaseUrl?: string },
): Promise<Record<string, any>> {
  const where = db.databaseUrl ? ["--database-url", db.databaseUrl] : ["--data-dir", db.dataDir!];
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, ...args, "--config", TENANCY_CONFIG, ...where, "--json"],
      { cwd: ROOT, timeout: 120_000 }, // a cold PGlite initdb on a loaded machine
    );
    return JSON.parse(stdout);
  } catch (error) {
    const e = error as Error & { stderr?: string; killed?: boolean };
    throw new Error(`olg ${args.join(" ")} failed (killed: ${e.killed}): ${e.stderr ?? e.message}`);
  }
}

/** Creates a key through the admin API with an admin key; returns its secret. */
export async function createKey(
  url: string,
  adminKey: string,
  body: { name: string; role: string; scopes?: string[]; expires_at?: string },
): Promise<string> {
  const res = await fetch(`${url}/admin/api/keys`, {
    method: "POST",
    headers: { "x-api-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`key creation: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** A developer key of org `default` (`a`) and of org `beta` (`b`), in a database the CLI made. */
export interface KeySeed {
  a: string;
  b: string;
  dataDir?: string;
  databaseUrl?: string;
}

/**
 * Seeded databases made once per backend with the CLI (`olg keys create`, `olg org create`): a
 * PGlite folder or a PostgreSQL database that each test copies (a folder copy, `CREATE DATABASE …
 * TEMPLATE`) instead of making its own with three CLI calls. `remove()` deletes them.
 */
export function keySeeds() {
  const seeds = new Map<string, Promise<KeySeed>>();
  return {
    of(backend: string): Promise<KeySeed> {
      let seed = seeds.get(backend);
      if (!seed) {
        seed = (async () => {
          const db =
            backend === "postgres"
              ? { databaseUrl: await createTestDatabase() }
              : { dataDir: mkdtempSync(path.join(tmpdir(), "olg-key-seed-")) };
          const developer = (org: string) =>
            olgJson(["keys", "create", "--org", org, "--role", "developer"], db);
          const a = (await developer("default")).key;
          await olgJson(["org", "create", "Beta", "--id", "beta"], db);
          const b = (await developer("beta")).key;
          return { a, b, ...db };
        })();
        seeds.set(backend, seed);
      }
      return seed;
    },
    async remove(): Promise<void> {
      const all = await Promise.all([...seeds.values()].map((s) => s.catch(() => null)));
      seeds.clear();
      for (const seed of all) {
        if (seed?.dataDir) rmSync(seed.dataDir, { recursive: true, force: true });
        if (seed?.databaseUrl) await dropTestDatabase(seed.databaseUrl);
      }
    },
  };
}
