/** Helpers for tenancy tests: the first admin key through the CLI, more keys through the admin API. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BIN, ROOT } from "./server.ts";

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
