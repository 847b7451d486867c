/**
 * The MariaDB renderings of the port's neutral expressions (src/storage/mysql/engine.ts) against
 * the local MariaDB, compared with what PostgreSQL's operators answer: `->>` text (JSON null is
 * SQL NULL, booleans `true`), `->` equality with a document parameter, `@>` containment, `||`
 * shallow merge keeping nulls, millisecond time arithmetic, case-(in)sensitive text search, and
 * transaction locks that exclude a second transaction until the first ends.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineOf } from "../../src/storage/engine/index.ts";
import {
  epochMs,
  json,
  jsonContains,
  jsonGet,
  jsonIsArray,
  jsonMerge,
  jsonText,
  nowPlusMs,
  textContains,
} from "../../src/storage/engine/neutral.ts";
import { type MysqlStorageHandle, openMysql } from "../../src/storage/mysql/open.ts";
import { createMariaDatabase, dropMariaDatabase, mariadbAvailable } from "../support/mariadb.ts";
import { NASTY } from "../support/nasty-strings.ts";

const up = await mariadbAvailable();
if (!up) console.warn("\n*** MariaDB is not reachable: mariadb.engine runs nowhere ***\n");

const DOC = { s: "x", n: 1.5, t: true, z: null, a: [1, "two", { k: "v" }], o: { p: [1] } };

describe.runIf(up)("MariaDB engine renderings", () => {
  let url: string;
  let h: MysqlStorageHandle;
  beforeAll(async () => {
    url = await createMariaDatabase("olg_engine");
    h = await openMysql({ url, poolSize: 3 });
  });
  afterAll(async () => {
    await h?.close();
    if (url) await dropMariaDatabase(url);
  });

  const one = async <T>(expr: unknown): Promise<T> =>
    (await sql<{ v: T }>`SELECT ${expr} AS v`.execute(h.db)).rows[0]!.v;

  it("reads a key as text like ->>", async () => {
    const d = json(DOC);
    expect(await one(jsonText(d, "s"))).toBe("x");
    expect(await one(jsonText(d, "n"))).toBe("1.5");
    expect(await one(jsonText(d, "t"))).toBe("true");
    expect(await one(jsonText(d, "z"))).toBeNull();
    expect(await one(jsonText(d, "missing"))).toBeNull();
    expect(JSON.parse(await one<string>(jsonText(d, "o")))).toEqual({ p: [1] });
  });

  it("compares a key's value with a document parameter like -> = ::jsonb", async () => {
    const d = json(DOC);
    const eq = (key: string, v: unknown) => one<number>(sql`${jsonGet(d, key)} = ${json(v)}`);
    expect(Number(await eq("s", "x"))).toBe(1);
    expect(Number(await eq("s", "X"))).toBe(0);
    expect(Number(await eq("a", [1, "two", { k: "v" }]))).toBe(1);
    expect(Number(await eq("o", { p: [1] }))).toBe(1);
    expect(Number(await one(jsonIsArray(jsonGet(d, "a"))))).toBe(1);
  });

  it("tests containment like @>", async () => {
    const d = json(DOC);
    const has = async (v: unknown) => Number(await one(jsonContains(d, v)));
    expect(await has({ s: "x" })).toBe(1);
    expect(await has({ s: "x", t: true })).toBe(1);
    expect(await has({ s: "X" })).toBe(0);
    expect(await has({ s: "x " })).toBe(0);
    expect(await has({ a: ["two"] })).toBe(1);
    expect(await has({ a: [{ k: "v" }] })).toBe(1);
    expect(await has({ a: ["three"] })).toBe(0);
    expect(await has({ z: null })).toBe(1);
    expect(await has({})).toBe(1);
    // @> finds a scalar or object in an array only in the array form (JSON_CONTAINS alone: 1).
    expect(await has({ a: "two" })).toBe(0);
    expect(await has({ a: 1 })).toBe(0);
    expect(await has({ a: { k: "v" } })).toBe(0);
    expect(await has({ o: { p: 1 } })).toBe(0);
    expect(await has({ o: { p: [1] } })).toBe(1);
    expect(await has({ s: ["x"] })).toBe(0);
    expect(Number(await one(jsonContains(json([{ s: "x" }]), { s: "x" })))).toBe(0);
    expect(Number(await one(jsonContains(json([1, 2]), 1)))).toBe(1);
  });

  it("merges shallowly like ||, keeping nulls", async () => {
    const merged = await one<unknown>(
      jsonMerge(json({ a: 1, o: { x: 1 } }), { o: { y: 2 }, n: null, s: "é" }),
    );
    const v = typeof merged === "string" ? JSON.parse(merged) : merged;
    expect(v).toEqual({ a: 1, o: { y: 2 }, n: null, s: "é" });
  });

  it("round-trips every nasty string inside a JSON document parameter and finds it by key", async () => {
    for (const s of NASTY) {
      const doc = await one<unknown>(json({ [s]: s }));
      expect(typeof doc === "string" ? JSON.parse(doc) : doc).toEqual({ [s]: s });
      expect(await one(jsonText(json({ [s]: s }), s))).toBe(s);
      expect(Number(await one(sql`${jsonText(json({ k: s }), "k")} = ${s}`))).toBe(1);
    }
  });

  it("does millisecond arithmetic on NOW(6) and reads epochs in milliseconds", async () => {
    const before = Date.now();
    const later = Number(await one(epochMs(nowPlusMs(1500))));
    expect(later).toBeGreaterThanOrEqual(before + 1500 - 5);
    expect(later).toBeLessThan(Date.now() + 1500 + 1000);
  });

  it("searches text with and without case", async () => {
    expect(Number(await one(textContains(sql`${"Hello World"}`, "lo W")))).toBe(1);
    expect(Number(await one(textContains(sql`${"Hello World"}`, "LO w")))).toBe(0);
    expect(Number(await one(textContains(sql`${"Hello World"}`, "LO w", true)))).toBe(1);
  });

  it("holds a transaction lock until the transaction ends", async () => {
    const engine = engineOf(h.db);
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const first = h.db.transaction().execute(async (trx) => {
      await engine.lockInTransaction(trx, 42n);
      locked();
      await held;
      order.push("first done");
    });
    await isLocked;
    const second = h.db.transaction().execute(async (trx) => {
      await engine.lockInTransaction(trx, 42n);
      order.push("second locked");
    });
    // The second waits on the row lock; nothing it does can run before `first` commits.
    await new Promise((r) => setImmediate(r));
    order.push("released");
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["released", "first done", "second locked"]);
  });
});
