/**
 * System assistants across restarts on a persistent database: the ids stay, user assistants
 * survive, and a changed LANGGRAPH_CONFIG takes effect as a new version (upstream would keep the
 * stale config forever on a persistent store).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  type StartOptions,
  startServer,
} from "../support/server.ts";

const config = (model: string, context?: unknown) =>
  JSON.stringify({
    agent: { configurable: { model_name: model }, ...(context ? { context } : {}) },
  });

interface Persistent {
  name: string;
  prepare(): Promise<{ options: Omit<StartOptions, "env">; cleanup(): Promise<void> }>;
}

const backends: Persistent[] = [
  {
    name: "pglite",
    async prepare() {
      const dataDir = await mkdtemp(path.join(tmpdir(), "olg-sys-"));
      return {
        options: { backend: "pglite", dataDir },
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  },
];
if (await postgresAvailable()) {
  backends.push({
    name: "postgres",
    async prepare() {
      const databaseUrl = await createTestDatabase("olg_sys");
      return {
        options: { backend: "postgres", databaseUrl },
        cleanup: () => dropTestDatabase(databaseUrl),
      };
    },
  });
}

// The backends restart their own servers (on their own database each) at the same time.
describe("system assistants across restarts", () => {
  it.concurrent.each(backends)(
    "$name: keeps ids and user data, and applies a changed LANGGRAPH_CONFIG",
    async (backend) => {
      const { options, cleanup } = await backend.prepare();
      try {
        const first = await startServer({ ...options, env: { LANGGRAPH_CONFIG: config("one") } });
        let client = new Client({ apiUrl: first.url });
        const before = await client.assistants.get("agent");
        expect(before).toMatchObject({
          version: 1,
          config: { configurable: { model_name: "one" } },
        });
        const mine = await client.assistants.create({ graphId: "agent", name: "mine" });
        await first.stop();

        const same = await startServer({ ...options, env: { LANGGRAPH_CONFIG: config("one") } });
        client = new Client({ apiUrl: same.url });
        expect(await client.assistants.get("agent")).toMatchObject({
          assistant_id: before.assistant_id,
          version: 1,
        });
        await same.stop();

        const changed = await startServer({
          ...options,
          env: { LANGGRAPH_CONFIG: config("two", { region: "eu" }) },
        });
        client = new Client({ apiUrl: changed.url });
        try {
          const after = await client.assistants.get("agent");
          expect(after).toMatchObject({
            assistant_id: before.assistant_id,
            version: 2,
            config: { configurable: { model_name: "two" } },
            context: { region: "eu" },
            metadata: { created_by: "system" },
            created_at: before.created_at,
          });
          const versions = await client.assistants.getVersions("agent");
          expect(versions.map((v) => v.version)).toEqual([2, 1]);
          expect((await client.assistants.get(mine.assistant_id)).name).toBe("mine");
        } finally {
          await changed.stop();
        }
      } finally {
        await cleanup();
      }
    },
    180_000,
  );
});
