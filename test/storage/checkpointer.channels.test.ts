/**
 * `SqlCheckpointSaver.withChannels`: the partial read behind `select=values.<key>` on thread state
 * and history. It loads only the named channels' blobs and no pending writes, from `getTuple` and
 * `list`, and leaves the full saver as it was (PGlite and PostgreSQL).
 */
import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { createTestDatabase, dropTestDatabase, postgresAvailable } from "../support/server.ts";

const backends: { name: string; databaseUrl: () => Promise<string | null> }[] = [
  { name: "pglite", databaseUrl: async () => null },
];
if (await postgresAvailable())
  backends.push({ name: "postgres", databaseUrl: () => createTestDatabase("olg_cpch") });

describe.each(backends)("SqlCheckpointSaver.withChannels ($name)", ({ databaseUrl }) => {
  let handle: StorageHandle;
  let url: string | null;
  let saver: SqlCheckpointSaver;

  beforeAll(async () => {
    url = await databaseUrl();
    handle = await openStorage({ databaseUrl: url, dataDir: null, poolSize: 2 });
    saver = new SqlCheckpointSaver(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    if (url) await dropTestDatabase(url);
  });

  it("reads only the named channels and no pending writes", async () => {
    const threadId = crypto.randomUUID();
    const values = { small: "s", big: "B".repeat(100_000), other: [1, 2, 3] };
    const config = await saver.put(
      { configurable: { thread_id: threadId, checkpoint_ns: "" } },
      {
        ...emptyCheckpoint(),
        id: uuid6(0),
        channel_values: values,
        channel_versions: { small: 1, big: 1, other: 1 },
      },
      { source: "loop", step: 0, parents: {} },
      { small: 1, big: 1, other: 1 },
    );
    await saver.putWrites(config, [["big", "more"]], "task-1");

    const partial = saver.withChannels(["small", "missing"]);
    const tuple = await partial.getTuple(config);
    expect(tuple?.checkpoint.channel_values).toEqual({ small: "s" });
    expect(tuple?.pendingWrites ?? []).toEqual([]);
    const listed = [];
    for await (const t of partial.list({ configurable: { thread_id: threadId } })) listed.push(t);
    expect(listed.map((t) => t.checkpoint.channel_values)).toEqual([{ small: "s" }]);
    expect(await saver.withChannels([]).getTuple(config)).toMatchObject({
      checkpoint: { channel_values: {} },
    });

    // The saver it came from still reads everything.
    const full = await saver.getTuple(config);
    expect(full?.checkpoint.channel_values).toEqual(values);
    expect(full?.pendingWrites).toEqual([["task-1", "big", "more"]]);
  });
});
