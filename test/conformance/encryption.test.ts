/**
 * Black-box, through the official SDK, on PGlite (a data folder) and PostgreSQL: with
 * `LANGGRAPH_AES_KEY` and `LANGGRAPH_AES_JSON_KEYS`, everything reads back as written, while the
 * raw database rows (read directly, not through the server) hold no plaintext: not the named JSON
 * keys of assistants, threads, runs, crons and store items, nor the checkpointed state. Encrypted
 * keys cannot be filtered on; others can. Rotation: restarted with a new primary key and the old
 * one as fallback, old data still reads and new writes use the new key.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";

const KEY_A = "0123456789abcdef"; // AES-128
const KEY_B = "fedcba9876543210fedcba9876543210"; // AES-256
const keyId = (k: string) => createHash("sha256").update(k).digest().subarray(0, 8).toString("hex");
// `inputs` is the graph state key the run writes: named, it is encrypted in thread values and run kwargs too.
const JSON_KEYS = "api_key,secret_note,inputs";
const CONFIG = "test/fixtures/encryption/open_langgraph.json";
const TABLES = [
  "assistants",
  "assistant_versions",
  "threads",
  "runs",
  "crons",
  "store_items",
  "checkpoints",
];
const backends = ["pglite", ...((await postgresAvailable()) ? ["postgres" as const] : [])] as const;

type Raw = { text: string[]; blobs: Buffer[]; keyIds: string[] };

/** Every row as text, every blob, and the key ids of encrypted `api_key` values. */
async function rawRows(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Raw> {
  const text: string[] = [];
  for (const t of TABLES)
    for (const r of await query(`SELECT t::text AS row FROM ${t} t`)) text.push(String(r.row));
  const blobs: Buffer[] = [];
  for (const r of await query(
    "SELECT blob AS b FROM checkpoint_blobs WHERE blob IS NOT NULL UNION ALL SELECT value FROM checkpoint_writes WHERE value IS NOT NULL",
  ))
    blobs.push(Buffer.from(r.b as Uint8Array));
  const keyIds = (
    await query("SELECT metadata->>'api_key' AS v FROM threads WHERE metadata ? 'api_key'")
  ).map((r) => String(r.v).split(":")[2]!);
  return { text, blobs, keyIds };
}

describe.each(backends)("encryption at rest (%s)", { timeout: 180_000 }, (backend) => {
  const dataDir = backend === "pglite" ? mkdtempSync(path.join(tmpdir(), "h16b-enc-")) : undefined;
  let databaseUrl: string | undefined;
  let server: TestServer | undefined;
  const ids: Record<string, string> = {};

  const start = async (env: Record<string, string>) => {
    databaseUrl ??= backend === "postgres" ? await createTestDatabase("h16b_enc") : undefined;
    server = await startServer({ backend, config: CONFIG, dataDir, databaseUrl, env });
    return new Client({ apiUrl: server.url });
  };
  const raw = async (): Promise<Raw> => {
    if (backend === "postgres") {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        return await rawRows(async (q) => (await c.query(q)).rows);
      } finally {
        await c.end();
      }
    }
    await server!.stop(); // PGlite: one process at a time on a data folder
    server = undefined;
    const db = new PGlite(dataDir!, { extensions: { vector } });
    try {
      return await rawRows(async (q) => (await db.query<Record<string, unknown>>(q)).rows);
    } finally {
      await db.close();
    }
  };

  afterAll(async () => {
    await server?.stop();
    if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("reads back what it wrote, and no plaintext reaches the database", async () => {
    const client = await start({ LANGGRAPH_AES_KEY: KEY_A, LANGGRAPH_AES_JSON_KEYS: JSON_KEYS });
    const info = (await (await fetch(`${server!.url}/info`)).json()) as {
      flags: Record<string, boolean>;
    };
    expect(info.flags.encryption).toBe(true);
    const assistant = await client.assistants.create({
      graphId: "runs_steps",
      metadata: { api_key: "SECRET-ASSISTANT", team: "blue" },
      config: { configurable: { api_key: "SECRET-CONFIG" } },
    });
    const thread = await client.threads.create({
      metadata: { api_key: "SECRET-THREAD", owner: "enc" },
    });
    await client.runs.wait(thread.thread_id, assistant.assistant_id, {
      input: { inputs: ["SECRET-STATE"], delay_ms: 1 },
      metadata: { secret_note: "SECRET-RUN" },
    });
    const cron = await client.crons.create(assistant.assistant_id, {
      schedule: "0 0 1 1 *",
      metadata: { api_key: "SECRET-CRON" },
    });
    await client.store.putItem(["enc"], "item", { api_key: "SECRET-STORE", plain: "visible" });
    Object.assign(ids, {
      assistant: assistant.assistant_id,
      thread: thread.thread_id,
      cron: cron.cron_id,
    });

    expect((await client.assistants.get(assistant.assistant_id)).metadata).toMatchObject({
      api_key: "SECRET-ASSISTANT",
    });
    expect((await client.threads.get(thread.thread_id)).metadata).toMatchObject({
      api_key: "SECRET-THREAD",
    });
    const state = await client.threads.getState<{ inputs: string[] }>(thread.thread_id);
    expect(state.values.inputs).toEqual(["SECRET-STATE"]);
    const [run] = await client.runs.list(thread.thread_id);
    expect(run!.metadata).toMatchObject({ secret_note: "SECRET-RUN" });
    expect((await client.store.getItem(["enc"], "item"))?.value).toEqual({
      api_key: "SECRET-STORE",
      plain: "visible",
    });
    // Only keys that are not encrypted can be filtered on.
    expect(
      (await client.threads.search({ metadata: { owner: "enc" } })).map((t) => t.thread_id),
    ).toContain(thread.thread_id);
    expect(await client.threads.search({ metadata: { api_key: "SECRET-THREAD" } })).toEqual([]);

    const rows = await raw();
    expect(rows.text.length).toBeGreaterThan(5);
    expect(rows.text.filter((t) => t.includes("SECRET-"))).toEqual([]);
    expect(rows.text.some((t) => t.includes("visible") && t.includes("$olgenc:1:"))).toBe(true);
    expect(rows.blobs.length).toBeGreaterThan(0);
    expect(rows.blobs.filter((b) => b.includes("SECRET-STATE"))).toEqual([]);
    expect(rows.blobs.every((b) => b.subarray(0, 4).toString() === "OLGE")).toBe(true);
    expect(rows.keyIds).toEqual([keyId(KEY_A)]);
  });

  it("rotation: a new primary key with the old one as fallback reads old data, writes with the new key", async () => {
    await server?.stop();
    const client = await start({
      LANGGRAPH_AES_KEY: KEY_B,
      LANGGRAPH_AES_FALLBACK_KEYS: KEY_A,
      LANGGRAPH_AES_JSON_KEYS: JSON_KEYS,
    });
    expect((await client.threads.get(ids.thread!)).metadata).toMatchObject({
      api_key: "SECRET-THREAD",
    });
    const state = await client.threads.getState<{ inputs: string[] }>(ids.thread!);
    expect(state.values.inputs).toEqual(["SECRET-STATE"]);
    expect((await client.assistants.get(ids.assistant!)).metadata).toMatchObject({
      api_key: "SECRET-ASSISTANT",
    });
    const fresh = await client.threads.create({ metadata: { api_key: "SECRET-NEW" } });
    expect((await client.threads.get(fresh.thread_id)).metadata).toMatchObject({
      api_key: "SECRET-NEW",
    });
    const rows = await raw();
    expect(rows.text.filter((t) => t.includes("SECRET-"))).toEqual([]);
    expect(new Set(rows.keyIds)).toEqual(new Set([keyId(KEY_A), keyId(KEY_B)]));
  });
});
