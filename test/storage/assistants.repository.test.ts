/**
 * `SqlAssistantsRepository` on PGlite and PostgreSQL: metadata scopes (out of scope reads as
 * missing on every operation), system assistant sync, and the cascade of `deleteThreads`.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlAssistantsRepository } from "../../src/assistants/sql-repository.ts";
import type { NewAssistant } from "../../src/assistants/types.ts";
import { toScope } from "../../src/auth/scope.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { storageBackends } from "../support/storage.ts";

const backends = await storageBackends("assistants repository tests", "olg_assistants");

const now = () => new Date();
const draft = (over: Partial<NewAssistant> = {}): NewAssistant => ({
  assistantId: randomUUID(),
  graphId: "agent",
  name: "a",
  description: null,
  config: {},
  context: {},
  metadata: {},
  ...over,
});

describe.each(backends)("assistants repository ($name)", (backend) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  let repo: SqlAssistantsRepository;

  beforeAll(async () => {
    ({ handle, cleanup } = await backend.open());
    repo = new SqlAssistantsRepository(handle.db);
  });
  afterAll(() => cleanup());

  it("hides out-of-scope assistants from every operation", async () => {
    const owner = randomUUID();
    const a = draft({ metadata: { owner, team: ["x", "y"] } });
    await repo.insert(a, now());
    const mine = toScope({ owner });
    const theirs = toScope({ owner: randomUUID() });
    expect((await repo.get(a.assistantId, mine))?.assistantId).toBe(a.assistantId);
    expect(await repo.get(a.assistantId, toScope({ team: { $contains: "y" } }))).not.toBeNull();
    expect(await repo.get(a.assistantId, theirs)).toBeNull();
    expect(await repo.count({}, toScope({ owner }))).toBe(1);
    expect(await repo.count({}, theirs)).toBe(0);
    expect((await repo.search({ limit: 10, offset: 0 }, mine)).total).toBe(1);
    expect(
      (await repo.search({ limit: 10, offset: 0, metadata: { owner } }, theirs)).items,
    ).toEqual([]);
    expect(await repo.update(a.assistantId, { name: "b" }, now(), theirs)).toBeNull();
    expect(await repo.versions(a.assistantId, { limit: 10, offset: 0 }, theirs)).toEqual([]);
    expect(await repo.setLatest(a.assistantId, 1, now(), theirs)).toBe("assistant_missing");
    expect(await repo.delete(a.assistantId, { deleteThreads: false }, theirs)).toBe(false);
    expect(await repo.insert(a, now(), theirs)).toBeNull();
    const still = await repo.get(a.assistantId);
    expect(still).toMatchObject({ name: "a", version: 1 });
    expect(await repo.versions(a.assistantId, { limit: 10, offset: 0 }, mine)).toHaveLength(1);
    expect(await repo.delete(a.assistantId, { deleteThreads: false }, mine)).toBe(true);
    expect(await repo.get(a.assistantId)).toBeNull();
  });

  it("treats ids that are not uuids as missing instead of failing in SQL", async () => {
    expect(await repo.get("agent")).toBeNull();
    expect(await repo.update("x", {}, now())).toBeNull();
    expect(await repo.delete("x", { deleteThreads: true })).toBe(false);
    expect(await repo.versions("x", { limit: 1, offset: 0 })).toEqual([]);
    expect(await repo.setLatest("x", 1, now())).toBe("assistant_missing");
  });

  it("syncs a system assistant: unchanged keeps the version, a change adds one", async () => {
    const sys = draft({
      name: "agent",
      config: { configurable: { model: "a" } },
      metadata: { created_by: "system" },
    });
    expect((await repo.syncSystem(sys, now())).version).toBe(1);
    // Same content, keys in another order: no new version.
    const reordered = { ...sys, config: { configurable: { model: "a" } }, context: {} };
    expect((await repo.syncSystem(reordered, now())).version).toBe(1);
    await repo.update(sys.assistantId, { metadata: { note: "kept" } }, now());
    const changed = await repo.syncSystem(
      { ...sys, config: { configurable: { model: "b" } }, context: { c: 1 } },
      now(),
    );
    expect(changed).toMatchObject({
      version: 3,
      config: { configurable: { model: "b" } },
      context: { c: 1 },
      metadata: { created_by: "system", note: "kept" },
    });
    const versions = await repo.versions(sys.assistantId, { limit: 10, offset: 0 });
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it("deletes the assistant's threads and their checkpoints on request", async () => {
    const a = draft();
    await repo.insert(a, now());
    const mine = randomUUID();
    const other = randomUUID();
    for (const [id, owner] of [
      [mine, a.assistantId],
      [other, randomUUID()],
    ] as const) {
      await handle.db
        .insertInto("threads")
        .values({
          thread_id: id,
          metadata: JSON.stringify({ assistant_id: owner }),
          config: "{}",
          status: "idle",
          values: null,
          interrupts: "{}",
          error: null,
          created_at: now(),
          updated_at: now(),
          state_updated_at: now(),
          ttl_strategy: null,
          ttl_minutes: null,
          expires_at: null,
        })
        .execute();
      await handle.db
        .insertInto("checkpoints")
        .values({
          thread_id: id,
          checkpoint_ns: "",
          checkpoint_id: "1",
          parent_checkpoint_id: null,
          checkpoint: "{}",
          metadata: "{}",
          created_at: now(),
        })
        .execute();
    }
    expect(await repo.delete(a.assistantId, { deleteThreads: true })).toBe(true);
    const threads = await handle.db
      .selectFrom("threads")
      .select("thread_id")
      .where("thread_id", "in", [mine, other])
      .execute();
    expect(threads.map((t) => t.thread_id)).toEqual([other]);
    const cps = await handle.db
      .selectFrom("checkpoints")
      .select("thread_id")
      .where("thread_id", "in", [mine, other])
      .execute();
    expect(cps.map((c) => c.thread_id)).toEqual([other]);
  });
});
