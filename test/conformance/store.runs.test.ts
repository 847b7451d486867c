/** Black-box: a graph reads and writes the server's store during a run (`store_graph` fixture). */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

describe.each(sharedServers())("store inside runs ($backend)", ({ client }) => {
  it("a run writes through config.store and reads through getStore(); the client sees it", async () => {
    const userId = `u${randomUUID().slice(0, 8)}`;
    const namespace = ["memories", userId];
    await client.store.putItem(namespace, "seed", { text: "seeded by the client" });
    const thread = await client.threads.create();
    const result = (await client.runs.wait(thread.thread_id, "store_graph", {
      input: { note: "remember the milk" },
      config: { configurable: { user_id: userId } },
    })) as Record<string, any>;
    expect(result.preexisting).toEqual({ text: "seeded by the client" });
    expect(result.saved).toEqual({ text: "remember the milk" });
    expect(result.found).toEqual(["seeded by the client", "remember the milk"]);

    const { items } = await client.store.searchItems(namespace);
    expect(items.map((i) => i.value.text)).toEqual(["seeded by the client", "remember the milk"]);
  });

  it("stateless runs get the store too", async () => {
    const userId = `u${randomUUID().slice(0, 8)}`;
    const result = (await client.runs.wait(null, "store_graph", {
      input: { note: "stateless note" },
      config: { configurable: { user_id: userId } },
    })) as Record<string, any>;
    expect(result.saved).toEqual({ text: "stateless note" });
    const got = await client.store.searchItems(["memories", userId]);
    expect(got.items).toHaveLength(1);
  });
});
