/**
 * Custom at-rest encryption handlers (`encryption.path`) through the API, as a user configures
 * them (test/fixtures/encryption/custom.json): a run writes checkpoints through the blob handler
 * and thread metadata and state through the JSON handler, and every read (thread, state, history,
 * run) gives back what was written. Before, a checkpoint read failed (the blobs the checkpointer
 * aggregates into JSON reached the serializer still encrypted). An in-process server on in-memory
 * PGlite; what reaches each engine is checked in test/storage/encryption.engines.test.ts.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/main.ts";
import { ROOT } from "../support/server.ts";

let server: RunningServer;
beforeAll(async () => {
  const settings = loadSettings(
    "serve",
    {
      config: `${ROOT}/test/fixtures/encryption/custom.json`,
      port: 0,
      host: "127.0.0.1",
      inMemory: true,
      logLevel: "warn",
    },
    { PATH: process.env.PATH, OLG_EMBEDDED_EXECUTOR: "main" },
    ROOT,
  );
  settings.warmSchemas = false;
  server = await startServer(settings, createLogger({ level: "warn", pretty: false }));
}, 120_000);
afterAll(async () => server?.close());

describe("custom encryption handlers (encryption.path)", () => {
  it("a run's state, history and metadata read back through the handlers", async () => {
    const client = new Client({ apiUrl: server.url });
    const thread = await client.threads.create({ metadata: { api_key: "SECRET-K", owner: "me" } });
    const values = (await client.runs.wait(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1, big: "SECRET-BIG" },
    })) as { visits: string[]; big: string };
    expect(values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    expect(values.big).toBe("SECRET-BIG");

    const state = await client.threads.getState<{ visits: string[]; big: string }>(
      thread.thread_id,
    );
    expect(state.values.visits).toEqual(["s1", "s2", "s3", "s4"]);
    expect(state.values.big).toBe("SECRET-BIG");
    const history = await client.threads.getHistory(thread.thread_id, { limit: 10 });
    expect(history.length).toBeGreaterThan(4);
    expect(history.at(-1)?.values).toEqual({ visits: [], inputs: [] });
    const got = await client.threads.get<{ big: string }>(thread.thread_id);
    expect(got.metadata).toMatchObject({ api_key: "SECRET-K", owner: "me" });
    expect(got.values.big).toBe("SECRET-BIG");
    // The unsealed key stays searchable; the sealed one is opaque to SQL.
    const found = await client.threads.search({ metadata: { owner: "me" } });
    expect(found.map((t) => t.thread_id)).toEqual([thread.thread_id]);
    const [run] = await client.runs.list(thread.thread_id);
    expect(run?.status).toBe("success");
  }, 120_000);
});
