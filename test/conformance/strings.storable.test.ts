/**
 * Black-box, through the official SDK: any string a client or a graph sends is stored and comes
 * back exactly (U+0000, lone surrogates, the storage escape character...), on every route that
 * stores one: threads (metadata, search, state updates, copies), runs (input, metadata, Command
 * resume, interrupts, streamed values), the store (values, keys, namespaces, filters; from the
 * client and from inside a graph), assistants (name, description, config, context, metadata,
 * versions) and crons (payloads, metadata). Never a 500.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ESC } from "../../src/storage/text-escape.ts";
import { sharedServers } from "../support/backends.ts";
import { NASTY } from "../support/nasty-strings.ts";

/** A document with nasty strings as values and as keys, nested. */
const nastyDoc = (tag: string) => ({
  tag,
  all: NASTY,
  [`key\u0000${tag}`]: "a\u0000b",
  [`lone\ud800${tag}`]: { deep: ["\udc00", `${ESC}0000`] },
});

describe.each(sharedServers())("storable strings ($backend)", ({ client }) => {
  it("threads: metadata round-trips, filters on it, patches, copies", async () => {
    const tag = randomUUID();
    const metadata = nastyDoc(tag);
    const thread = await client.threads.create({ metadata });
    expect(thread.metadata).toEqual(metadata);
    expect((await client.threads.get(thread.thread_id)).metadata).toEqual(metadata);

    for (const filter of [
      { tag, "key\u0000x": undefined },
      { tag, all: NASTY },
    ]) {
      const found = await client.threads.search({ metadata: filter });
      expect(found.map((t) => t.thread_id)).toEqual([thread.thread_id]);
    }
    expect(await client.threads.search({ metadata: { tag, all: ["a\u0000c"] } })).toEqual([]);

    await client.threads.update(thread.thread_id, { metadata: { "\u0000": "\ud800\u0000" } });
    const patched = await client.threads.get(thread.thread_id);
    expect(patched.metadata).toEqual({ ...metadata, "\u0000": "\ud800\u0000" });
    const copy = await client.threads.copy(thread.thread_id);
    expect(copy.metadata).toMatchObject({ tag, all: NASTY });
  });

  it("keys holding JSON path syntax and escapes are matched and patched as written", async () => {
    const keys = ["a\\b", "\\u0041", 'x\\"y', "a\nb", "t\tx", "\u0001", "a.b", "$", "a[0]", "*"];
    const tag = randomUUID();
    for (const key of keys) {
      const thread = await client.threads.create({ metadata: { tag, [key]: 1 } });
      await client.threads.update(thread.thread_id, { metadata: { [`${key}2`]: 2 } });
      expect((await client.threads.get(thread.thread_id)).metadata, key).toEqual({
        tag,
        [key]: 1,
        [`${key}2`]: 2,
      });
      const found = await client.threads.search({ metadata: { tag, [key]: 1 } });
      expect(
        found.map((t) => t.thread_id),
        key,
      ).toEqual([thread.thread_id]);
      await client.store.putItem([tag], key, { [key]: 1 });
      for (const filter of [{ [key]: 1 }, { [key]: { $gte: 1 } }]) {
        const { items } = await client.store.searchItems([tag], { filter });
        expect(
          items.map((i) => i.key),
          JSON.stringify(filter),
        ).toEqual([key]);
      }
      await client.store.deleteItem([tag], key);
    }
  });

  it("runs: input, metadata, interrupt and Command resume round-trip; thread values too", async () => {
    const thread = await client.threads.create();
    const question = `q\u0000\ud800${ESC}?`;
    const metadata = { note: NASTY };
    await client.runs.wait(thread.thread_id, "runs_hitl", { input: { question }, metadata });
    const state = await client.threads.getState(thread.thread_id);
    expect(state.values).toMatchObject({ question });
    expect(state.tasks[0]?.interrupts[0]?.value).toEqual({ question });
    const [run] = await client.runs.list(thread.thread_id);
    expect(run?.metadata).toMatchObject(metadata);

    const answer = { text: "a\u0000b", list: NASTY };
    const done = (await client.runs.wait(thread.thread_id, "runs_hitl", {
      command: { resume: answer },
    })) as Record<string, unknown>;
    expect(done).toMatchObject({ question, answer, finished: true });
    const thread2 = await client.threads.get(thread.thread_id);
    expect(thread2.status).toBe("idle");
    expect(thread2.values).toMatchObject({ question, answer });
    const found = await client.threads.search({ values: { question } });
    expect(found.map((t) => t.thread_id)).toEqual([thread.thread_id]);
  });

  it("runs: streamed values carry the same strings", async () => {
    const thread = await client.threads.create();
    const question = "stream\u0000\udfff";
    const seen: unknown[] = [];
    for await (const part of client.runs.stream(thread.thread_id, "runs_hitl", {
      input: { question },
      streamMode: ["values"],
    }))
      if (part.event === "values") seen.push(part.data);
    expect(seen).toContainEqual(expect.objectContaining({ question }));
    const history = await client.threads.getHistory(thread.thread_id);
    expect(history[0]?.values).toMatchObject({ question });
  });

  it("threads: state updates and stateless runs round-trip", async () => {
    const thread = await client.threads.create({ graphId: "runs_hitl" });
    await client.threads.updateState(thread.thread_id, {
      values: { question: "u\u0000", answer: NASTY },
      asNode: "ask",
    });
    const state = await client.threads.getState(thread.thread_id);
    expect(state.values).toMatchObject({ question: "u\u0000", answer: NASTY });
    expect((await client.threads.get(thread.thread_id)).values).toMatchObject({ answer: NASTY });
    const out = (await client.runs.wait(null, "runs_hitl", {
      input: { question: "x\u0000", skip_interrupt: true },
    })) as Record<string, unknown>;
    expect(out).toMatchObject({ question: "x\u0000", finished: true });
  });

  it("store: values, keys, namespaces, filters and listings round-trip", async () => {
    // GET /store/items takes the namespace and key as query parameters; a URL cannot carry a lone
    // surrogate (URLSearchParams turns it into U+FFFD, on any server), so that read uses U+0000.
    const ns = ["strings", randomUUID(), "\u0000x", ESC];
    const key = `k\u0000${ESC}0000`;
    const value = nastyDoc("store");
    await client.store.putItem(ns, key, value);
    expect(await client.store.getItem(ns, key)).toMatchObject({ namespace: ns, key, value });
    const lone = [...ns.slice(0, 2), "\ud800"];
    await client.store.putItem(lone, "\udc00", { v: "\ud800" });
    const hit = await client.store.searchItems(ns.slice(0, 2), { filter: { tag: "store" } });
    expect(hit.items.map((i) => [i.namespace, i.key, i.value])).toEqual([[ns, key, value]]);
    const all = await client.store.searchItems(lone);
    expect(all.items.map((i) => [i.namespace, i.key, i.value])).toEqual([
      [lone, "\udc00", { v: "\ud800" }],
    ]);
    const spaces = await client.store.listNamespaces({ prefix: ns.slice(0, 2) });
    expect(spaces.namespaces.sort()).toEqual([lone, ns].sort());
    await client.store.deleteItem(ns, key);
    expect(await client.store.getItem(ns, key)).toBeNull();
  });

  it("store: a graph writes nasty strings through config.store and reads them back", async () => {
    const userId = `u\ud800${randomUUID().slice(0, 8)}`;
    const note = "remember\u0000the\udc00milk";
    const result = (await client.runs.wait(null, "store_graph", {
      input: { note },
      config: { configurable: { user_id: userId } },
    })) as Record<string, any>;
    expect(result.saved).toEqual({ text: note });
    const { items } = await client.store.searchItems(["memories", userId]);
    expect(items.map((i) => i.value.text)).toEqual([note]);
  });

  it("assistants: name, description, config, context, metadata and versions round-trip", async () => {
    const tag = randomUUID();
    const name = `name\u0000\ud800${tag}`;
    const assistant = await client.assistants.create({
      graphId: "runs_hitl",
      name,
      description: "d\u0000",
      config: { configurable: { k: "c\u0000" }, tags: ["t\ud800"] },
      context: { who: "x\u0000" },
      metadata: nastyDoc(tag),
    });
    expect(assistant).toMatchObject({ name, description: "d\u0000" });
    const got = await client.assistants.get(assistant.assistant_id);
    expect(got.config).toMatchObject({ configurable: { k: "c\u0000" }, tags: ["t\ud800"] });
    expect(got.context).toEqual({ who: "x\u0000" });
    expect(got.metadata).toEqual(nastyDoc(tag));
    const byName = await client.assistants.search({ name: `\u0000\ud800${tag}` });
    expect(byName.map((a) => a.assistant_id)).toEqual([assistant.assistant_id]);
    const byMeta = await client.assistants.search({ metadata: { tag, all: NASTY } });
    expect(byMeta.map((a) => a.assistant_id)).toEqual([assistant.assistant_id]);
    await client.assistants.update(assistant.assistant_id, { name: `v2\u0000${tag}` });
    const versions = await client.assistants.getVersions(assistant.assistant_id);
    expect(versions.map((v) => v.name).sort()).toEqual([name, `v2\u0000${tag}`].sort());
    await client.assistants.setLatest(assistant.assistant_id, 1);
    expect((await client.assistants.get(assistant.assistant_id)).name).toBe(name);
  });

  it("crons: payload and metadata round-trip", async () => {
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "runs_hitl", {
      schedule: "0 0 1 1 *",
      input: { question: "cron\u0000\ud800" },
      metadata: { m: NASTY },
    });
    const [found] = await client.crons.search({ threadId: thread.thread_id });
    expect(found?.cron_id).toBe(cron.cron_id);
    expect(found?.payload).toMatchObject({ input: { question: "cron\u0000\ud800" } });
    expect(found?.metadata).toMatchObject({ m: NASTY });
    await client.crons.delete(cron.cron_id);
  });
});
