/**
 * At-rest encryption on every storage engine (PGlite, PostgreSQL, MariaDB, SQLite): the AES codec
 * wraps each engine's dialect as the server does (`src/server/infra.ts`), and a spy between the
 * codec and the engine's driver records every parameter sent to the database and every raw row it
 * returns. Secrets written through the thread repository, the checkpointer and the store read back
 * as written, while no parameter and no raw row carries them in plaintext; keys not named stay
 * readable and filterable in SQL. Once with the built-in AES codec and once with custom handlers
 * (`encryption.path`: a blob handler and a JSON handler for every model, as the docs' example). (The
 * black-box server test with rotation: test/conformance/encryption.test.ts.)
 */
import { randomUUID } from "node:crypto";
import { emptyCheckpoint } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AesCipher } from "../../src/encryption/aes.ts";
import { aesCodec, type EncryptionCodec } from "../../src/encryption/codec.ts";
import { customCodec, type EncryptionHandlers } from "../../src/encryption/custom.ts";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import { codecDialect } from "../../src/storage/codec-dialect.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { createStore } from "../../src/store/setup.ts";
import { SqlThreadsRepository } from "../../src/threads/sql-repository.ts";
import { storageBackends } from "../support/storage.ts";

const backends = await storageBackends("encryption storage tests", "olg_enc");

/** Every value as searchable text (bytes as latin1, so plaintext inside a blob shows). */
function text(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("latin1");
  if (Array.isArray(value)) return value.map(text).join("\u0001");
  if (value && typeof value === "object" && !(value instanceof Date))
    return Object.values(value).map(text).join("\u0001");
  return String(value);
}

/** Sealed JSON values of the custom handlers: a prefix and the value's JSON, reversed in base64. */
const SEALED = "sealed:";
const SECRET_KEYS = new Set(["api_key", "inputs"]);
const xor = (bytes: Uint8Array) => Uint8Array.from(bytes, (b) => b ^ 0x5a);
const flip = (s: string) => [...s].reverse().join("");
/** Custom handlers: every blob XORed, the values of `api_key` and `inputs` sealed, in every model. */
const handlers: EncryptionHandlers = {
  encrypt: {
    blob: (_ctx, bytes) => xor(bytes),
    json: (_ctx, doc) =>
      Object.fromEntries(
        Object.entries(doc).map(([k, v]) => [
          k,
          SECRET_KEYS.has(k) ? SEALED + flip(Buffer.from(JSON.stringify(v)).toString("base64")) : v,
        ]),
      ),
  },
  decrypt: {
    blob: (_ctx, bytes) => xor(bytes),
    json: (_ctx, doc) =>
      Object.fromEntries(
        Object.entries(doc).map(([k, v]) => [
          k,
          typeof v === "string" && v.startsWith(SEALED)
            ? JSON.parse(Buffer.from(flip(v.slice(SEALED.length)), "base64").toString())
            : v,
        ]),
      ),
  },
};

const codecs: { codec: string; make: () => EncryptionCodec; marker: string }[] = [
  {
    codec: "AES",
    make: () => aesCodec(new AesCipher("0123456789abcdef"), new Set(SECRET_KEYS)),
    marker: "$olgenc:1:",
  },
  { codec: "custom handlers", make: () => customCodec(handlers), marker: SEALED },
];
const cases = backends.flatMap((b) => codecs.map((c) => ({ ...b, ...c })));

describe.each(cases)("encryption at rest ($name, $codec)", ({ open, make, marker }) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  const sent: string[] = [];
  const received: string[] = [];
  const spy = {
    encodeParams: (_sql: string, params: readonly unknown[]) => {
      sent.push(...params.map(text));
      return [...params];
    },
    decodeRows: <R>(_sql: string, rows: R[]) => {
      received.push(...rows.map(text));
      return rows;
    },
  };

  beforeAll(async () => {
    const codec = make();
    ({ handle, cleanup } = await open({
      wrapDialect: (d) => codecDialect(codecDialect(d, spy), codec),
    }));
  });
  afterAll(async () => cleanup?.());

  it("threads, checkpoints and store items read back; no plaintext reaches the database", async () => {
    const threads = new SqlThreadsRepository(handle.db);
    const threadId = randomUUID();
    const owner = `owner-${randomUUID()}`;
    await threads.insert(
      {
        threadId,
        metadata: { api_key: "SECRET-THREAD", owner },
        config: {},
        state: { values: { api_key: "SECRET-VALUES" }, interrupts: {}, status: "idle" },
      },
      new Date(),
    );
    const saver = new SqlCheckpointSaver(handle.db);
    const checkpoint = {
      ...emptyCheckpoint(),
      channel_values: { inputs: ["SECRET-STATE"], note: "SECRET-BLOB" },
      channel_versions: { inputs: 1, note: 1 },
    };
    const config = { configurable: { thread_id: threadId, checkpoint_ns: "" } };
    const stored = await saver.put(
      config,
      checkpoint,
      { source: "input", step: -1, parents: {}, api_key: "SECRET-META" } as never,
      { inputs: 1, note: 1 },
    );
    await saver.putWrites(stored, [["note", "SECRET-WRITE"]], "task-1");
    const store = await createStore(handle.db, undefined, process.cwd());
    await store.put(["enc"], "item", { api_key: "SECRET-STORE", plain: owner });

    const thread = await threads.find(threadId);
    expect(thread?.metadata).toEqual({ api_key: "SECRET-THREAD", owner });
    expect(thread?.values).toEqual({ api_key: "SECRET-VALUES" });
    const tuple = await saver.getTuple(config);
    expect(tuple?.checkpoint.channel_values).toEqual({
      inputs: ["SECRET-STATE"],
      note: "SECRET-BLOB",
    });
    expect(tuple?.metadata).toMatchObject({ api_key: "SECRET-META" });
    expect(tuple?.pendingWrites).toEqual([["task-1", "note", "SECRET-WRITE"]]);
    expect((await store.get(["enc"], "item"))?.value).toEqual({
      api_key: "SECRET-STORE",
      plain: owner,
    });
    // A key not named stays filterable in SQL; a named one is sealed, so it matches nothing.
    expect((await store.search(["enc"], { filter: { plain: owner } })).map((i) => i.key)).toEqual([
      "item",
    ]);

    expect(sent.length).toBeGreaterThan(5);
    expect(received.length).toBeGreaterThan(3);
    expect(sent.filter((s) => s.includes("SECRET-"))).toEqual([]);
    expect(received.filter((s) => s.includes("SECRET-"))).toEqual([]);
    expect(received.some((s) => s.includes(marker))).toBe(true);
    expect(received.some((s) => s.includes(owner))).toBe(true);
  });
});
