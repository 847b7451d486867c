/**
 * Helpers for tenancy tests: the first admin key through the CLI, more keys through the admin API,
 * databases seeded with an admin key once per backend (`keySeeds`) and two orgs' developer keys made
 * from it over the admin API (`twoOrgKeys`).
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

/** An admin key of org `default`, in a database the CLI made (`keySeeds`). */
export interface KeySeed {
  admin: string;
  dataDir?: string;
  databaseUrl?: string;
}

/**
 * Seeded databases made once per backend with the CLI (`olg keys create --role admin`): a PGlite
 * folder or a PostgreSQL database that each test copies (a folder copy, `CREATE DATABASE …
 * TEMPLATE`) instead of making its own. `remove()` deletes them. The orgs and keys a test needs
 * come from that admin key over the admin API (`twoOrgKeys`): one CLI call per backend instead of
 * three (each a process start, 2-4 CPU-s).
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
          const created = await olgJson(
            ["keys", "create", "--org", "default", "--role", "admin"],
            db,
          );
          return { admin: created.key, ...db };
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

/**
 * With an admin key of org `default` on a started server: a developer key of org `default` (`a`)
 * and, in a new org `beta` (made through `POST /admin/api/orgs`), one of `beta` (`b`).
 */
export async function twoOrgKeys(url: string, admin: string): Promise<{ a: string; b: string }> {
  const a = await createKey(url, admin, { name: "a", role: "developer" });
  const res = await fetch(`${url}/admin/api/orgs`, {
    method: "POST",
    headers: { "x-api-key": admin, "content-type": "application/json" },
    body: JSON.stringify({ org_id: "beta", name: "Beta" }),
  });
  if (res.status !== 201) throw new Error(`org creation: ${res.status} ${await res.text()}`);
  const beta = ((await res.json()) as { admin_key: { key: string } }).admin_key.key;
  return { a, b: await createKey(url, beta, { name: "b", role: "developer" }) };
}
