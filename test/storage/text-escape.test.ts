/**
 * Any string is storable: the escape (src/storage/text-escape.ts) is a bijection, and through the
 * storage codec every string PostgreSQL text/jsonb cannot hold as is (U+0000, lone surrogates, the
 * escape character itself) round-trips exactly through text columns, jsonb documents (values and
 * keys), comparisons (`=`, `->>`, `@>`, LIKE), the checkpointer and the store, on PGlite,
 * PostgreSQL, MariaDB and SQLite (JSON read and matched through the port's neutral expressions; on
 * SQLite JSON cells are recognised from each statement's column metadata, `sqlite/json-columns.ts`).
 */
import { type Expression, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { jsonContains, jsonText } from "../../src/storage/engine/neutral.ts";
import { jsonb } from "../../src/storage/sql/json.ts";
import {
  ESC,
  escapeJsonText,
  escapeText,
  mayNeedEscape,
  unescapeJson,
  unescapeText,
} from "../../src/storage/text-escape.ts";
import { SqlStore } from "../../src/store/sql-store.ts";
import { NASTY } from "../support/nasty-strings.ts";
import { storageBackends } from "../support/storage.ts";

describe("text escape", () => {
  it("is the identity on ordinary text and round-trips every nasty string", () => {
    for (const s of ["plain", "émoji 😀", "", "a\\b", '"q"', "\uFFFD"])
      expect(escapeText(s)).toBe(s);
    for (const s of ["plain", "é", "", "a\\b", '{"q":1}']) expect(mayNeedEscape(s)).toBe(false);
    for (const s of NASTY) expect(unescapeText(escapeText(s))).toBe(s);
  });

  it("leaves nothing PostgreSQL refuses in the escaped form", () => {
    for (const s of NASTY) {
      const e = escapeText(s);
      expect(e).not.toContain("\u0000");
      expect(Buffer.from(e, "utf8").toString("utf8")).toBe(e); // no lone surrogate left
    }
  });

  it("is injective: distinct strings stay distinct", () => {
    const escaped = new Set(NASTY.map(escapeText));
    expect(escaped.size).toBe(new Set(NASTY).size);
  });

  it("escapes JSON text by its strings and keys, and leaves other JSON alone", () => {
    const doc = { [`k\u0000${ESC}`]: NASTY, n: 1, nested: { "\ud800": ["\u0000"] } };
    const text = escapeJsonText(JSON.stringify(doc));
    const strings: string[] = [];
    JSON.parse(text, (k, v) => {
      strings.push(k);
      if (typeof v === "string") strings.push(v);
      return v;
    });
    for (const s of strings) {
      expect(s).not.toContain("\u0000");
      expect(Buffer.from(s, "utf8").toString("utf8")).toBe(s); // no lone surrogate
    }
    expect(unescapeJson(JSON.parse(text))).toEqual(doc);
    const plain = JSON.stringify({ a: "\\u0000 is text", b: "😀" });
    expect(escapeJsonText(plain)).toBe(plain);
  });
});

const backends = await storageBackends("text escape", "h13b_escape");

describe.each(backends)("storable strings ($name)", (backend) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ handle, cleanup } = await backend.open());
    const ddl =
      handle.kind === "mariadb"
        ? "CREATE TABLE t_escape (id int PRIMARY KEY, t longtext, j json)"
        : "CREATE TABLE t_escape (id int PRIMARY KEY, t text, j jsonb)";
    await sql.raw(ddl).execute(handle.db);
  }, 180_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it("round-trips through text and jsonb columns, keys included", async () => {
    for (const [i, s] of NASTY.entries()) {
      const doc = { v: s, list: [s, 1], [s || "empty"]: { inner: s } };
      await sql`INSERT INTO t_escape VALUES (${i}, ${s}, ${jsonb(doc)})`.execute(handle.db);
      const { rows } = await sql<{ t: string; j: unknown; x: string }>`
        SELECT t, j, ${jsonText("j", "v")} AS x FROM t_escape WHERE id = ${i}`.execute(handle.db);
      expect(rows[0]).toEqual({ t: s, j: doc, x: s });
    }
  });

  it("compares a text parameter with stored text and jsonb strings", async () => {
    const s = "a\u0000b\ud800";
    await sql`INSERT INTO t_escape VALUES (100, ${s}, ${jsonb({ m: s, tags: [s] })})`.execute(
      handle.db,
    );
    const hit = async (where: Expression<unknown>) =>
      (await sql<{ id: number }>`SELECT id FROM t_escape WHERE ${where}`.execute(handle.db)).rows
        .map((r) => r.id)
        .includes(100);
    expect(await hit(sql`t = ${s}`)).toBe(true);
    expect(await hit(sql`${jsonText("j", "m")} = ${s}`)).toBe(true);
    expect(await hit(jsonContains("j", { m: s }))).toBe(true);
    expect(await hit(jsonContains("j", { tags: [s] }))).toBe(true);
    expect(await hit(sql`t LIKE ${"%\u0000b%"}`)).toBe(true);
    expect(await hit(jsonContains("j", { m: "a\u0000c" }))).toBe(false);
    expect(await hit(sql`t = ${`a${ESC}0000b\ud800`}`)).toBe(false);
  });

  it("checkpointer: channel values, metadata and writes round-trip", async () => {
    const saver = new SqlCheckpointSaver(handle.db);
    const config = { configurable: { thread_id: "t-escape", checkpoint_ns: "" } };
    const checkpoint = {
      v: 4,
      id: "1ef00000-0000-6000-8000-000000000001",
      ts: new Date().toISOString(),
      channel_values: { messages: NASTY, "ch\u0000": "x\u0000" },
      channel_versions: { messages: "1", "ch\u0000": "1" },
      versions_seen: { "node\ud800": { messages: "1" } },
    };
    const metadata = { source: "input" as const, step: -1, parents: {}, note: NASTY };
    const saved = await saver.put(config, checkpoint, metadata, checkpoint.channel_versions);
    await saver.putWrites(saved, [["messages", "w\u0000"]], "task\u0000");
    const tuple = await saver.getTuple(saved);
    expect(tuple?.checkpoint.channel_values).toEqual(checkpoint.channel_values);
    expect(tuple?.checkpoint.versions_seen).toEqual(checkpoint.versions_seen);
    expect(tuple?.metadata).toMatchObject({ note: NASTY });
    expect(tuple?.pendingWrites).toEqual([["task\u0000", "messages", "w\u0000"]]);
    const listed = [];
    for await (const t of saver.list(config, { filter: { note: NASTY } })) listed.push(t);
    expect(listed).toHaveLength(1);
  });

  it("store: namespaces, keys, values, filters and listings round-trip", async () => {
    const store = new SqlStore({ db: handle.db });
    // NUL in a namespace label is refused by LangGraph's BaseStore itself (InvalidNamespaceError).
    const ns = ["users\ud800", `x${ESC}`];
    await store.put(ns, "key\u0000", { text: "a\u0000b", [`k${ESC}`]: NASTY });
    const item = await store.get(ns, "key\u0000");
    expect(item?.namespace).toEqual(ns);
    expect(item?.key).toBe("key\u0000");
    expect(item?.value).toEqual({ text: "a\u0000b", [`k${ESC}`]: NASTY });
    const found = await store.search(["users\ud800"], { filter: { text: "a\u0000b" } });
    expect(found.map((i) => i.key)).toEqual(["key\u0000"]);
    const spaces = await store.listNamespaces({ prefix: ["users\ud800"] });
    expect(spaces).toEqual([ns]);
  });
});
