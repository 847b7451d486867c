/**
 * Black-box, through the official SDK on PGlite and PostgreSQL: a run whose final write is refused
 * by the database for a reason that will repeat ends at once as `error` — `runs.wait` answers
 * `{__error__}`, the run is `error`, its thread is no longer busy, and every stream of it (the
 * creator's and a join) ends with an `error` event. It is not left `running` for a retry by lease
 * expiry (30 s here, three attempts), which would fail the same way.
 *
 * The refusal is real: a trigger in the server's database raises (SQLSTATE 54000, "program limit
 * exceeded", what PostgreSQL answers for a value too large) on the final thread-values write, or
 * on the run's last checkpoint (step 4), of the threads whose metadata says `refuse`. PostgreSQL: the shared
 * server's database. PGlite: a server of its own, on a data folder seeded with the trigger.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage } from "../../src/storage/open.ts";
import { sharedServers } from "../support/backends.ts";
import { startServer, type TestServer } from "../support/server.ts";

type Steps = { visits?: string[]; inputs?: string[] };

/** The trigger, one statement per entry (PGlite runs one statement per query). */
const REFUSAL = [
  `CREATE OR REPLACE FUNCTION refuse_final_write() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_TABLE_NAME = 'threads' THEN
      IF NEW.metadata->>'refuse' = 'thread_values' AND NEW."values" IS DISTINCT FROM OLD."values" THEN
        RAISE EXCEPTION 'thread values too large (test refusal)' USING ERRCODE = '54000';
      END IF;
    ELSIF coalesce((NEW.metadata->>'step')::int, 0) >= 4 AND EXISTS (SELECT 1 FROM threads t
        WHERE t.thread_id::text = NEW.thread_id AND t.metadata->>'refuse' = 'checkpoint') THEN
      RAISE EXCEPTION 'checkpoint too large (test refusal)' USING ERRCODE = '54000';
    END IF;
    RETURN NEW;
  END $$`,
  "DROP TRIGGER IF EXISTS refuse_thread_values ON threads",
  `CREATE TRIGGER refuse_thread_values BEFORE UPDATE ON threads
    FOR EACH ROW EXECUTE FUNCTION refuse_final_write()`,
  "DROP TRIGGER IF EXISTS refuse_checkpoint ON checkpoints",
  `CREATE TRIGGER refuse_checkpoint BEFORE INSERT OR UPDATE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_final_write()`,
];

const UNDO = [
  "DROP TRIGGER IF EXISTS refuse_thread_values ON threads",
  "DROP TRIGGER IF EXISTS refuse_checkpoint ON checkpoints",
  "DROP FUNCTION IF EXISTS refuse_final_write()",
];

/** A server whose database refuses the final writes of threads with `metadata.refuse`. */
interface Target {
  backend: string;
  start(): Promise<Client>;
  stop(): Promise<void>;
}

function postgresTarget(url: string, databaseUrl: string): Target {
  const db = new pg.Client({ connectionString: databaseUrl });
  return {
    backend: "postgres",
    async start() {
      await db.connect();
      for (const statement of REFUSAL) await db.query(statement);
      return new Client({ apiUrl: url });
    },
    async stop() {
      for (const statement of UNDO) await db.query(statement).catch(() => {});
      await db.end().catch(() => {});
    },
  };
}

function pgliteTarget(): Target {
  const dataDir = mkdtempSync(path.join(tmpdir(), "olg-final-write-"));
  let server: TestServer | undefined;
  return {
    backend: "pglite",
    async start() {
      const handle = await openStorage({ databaseUrl: null, dataDir });
      for (const statement of REFUSAL) await sql.raw(statement).execute(handle.db);
      await handle.close();
      server = await startServer({ backend: "pglite", dataDir });
      return new Client({ apiUrl: server.url });
    },
    async stop() {
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const targets: Target[] = sharedServers().map((s) =>
  s.backend === "postgres" ? postgresTarget(s.url, s.databaseUrl!) : pgliteTarget(),
);

/** Far below a retry by lease expiry (30 s lease, then two more attempts). */
const PROMPT_MS = 15_000;

describe.each(targets)("a run whose final write is refused ($backend)", (target) => {
  let client: Client;
  beforeAll(async () => {
    client = await target.start();
  }, 180_000);
  afterAll(() => target.stop(), 60_000);

  /** Collects a stream's event names. */
  async function eventsOf(stream: AsyncIterable<{ event: string }>): Promise<string[]> {
    const events: string[] = [];
    for await (const chunk of stream) events.push(chunk.event);
    return events;
  }

  it.each(["thread_values", "checkpoint"])(
    "refused %s: error at once, in __error__, thread not busy, streams end with error",
    async (refuse) => {
      const thread = await client.threads.create({ metadata: { refuse } });
      const started = Date.now();
      const stream = client.runs.stream(thread.thread_id, "runs_steps", {
        input: { delay_ms: 50, inputs: ["refused"] },
        streamMode: ["values"],
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.value?.event).toBe("metadata");
      const runId = (first.value?.data as { run_id: string }).run_id;
      const joined = eventsOf(
        client.runs.joinStream(thread.thread_id, runId, { lastEventId: "-1" }) as AsyncIterable<{
          event: string;
        }>,
      );
      const created = await eventsOf({ [Symbol.asyncIterator]: () => iterator });
      const waited = (await client.runs.join(thread.thread_id, runId)) as {
        __error__?: { error: string; message: string };
      };
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      expect(created.at(-1)).toBe("error");
      expect((await joined).at(-1)).toBe("error");
      expect(waited.__error__?.message).toContain("too large (test refusal)");
      expect((await client.runs.get(thread.thread_id, runId)).status).toBe("error");
      const after = await client.threads.get<Steps>(thread.thread_id);
      expect(after.status).toBe("error");
      // What the database refused is not there: the thread shows its stored state (the refused
      // checkpoint's values are not in it), or no values at all when that write was refused.
      if (refuse === "checkpoint") {
        const state = await client.threads.getState<Steps>(thread.thread_id);
        expect(state.checkpoint.checkpoint_id).toBeDefined();
        expect(after.values).toEqual(state.values);
      } else expect(after.values ?? {}).toEqual({});
      // A later run on the thread is not blocked by the failed one (no retry holds the thread).
      await client.threads.update(thread.thread_id, { metadata: { refuse: null } });
      const next = (await client.runs.wait(thread.thread_id, "runs_steps", {
        input: { delay_ms: 1, inputs: ["next"] },
      })) as Steps;
      expect(next.inputs?.at(-1)).toBe("next");
      expect((await client.runs.list(thread.thread_id)).map((r) => r.status)).toContain("error");
    },
    60_000,
  );
});
