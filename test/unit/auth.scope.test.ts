/**
 * Scope matching: the upstream `isAuthMatching` table (auth.test.mts) against our in-memory
 * `matchesScope`, and the SQL `scopeSql` (what storage applies) against the same table on PGlite,
 * plus the cases where we are stricter than a loose reading (substring, nested containment).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchesScope, type Scope } from "../../src/auth/scope.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { scopeSql } from "../../src/storage/sql/scope.ts";

type Case = [string, Record<string, unknown>, Scope, boolean];

const upstream: Case[] = [
  ["undefined filters", { a: "value" }, undefined, true],
  ["empty metadata", {}, { a: "foo" }, false],
  ["empty filters", { a: "foo", b: "bar" }, {}, true],
  ["exact string", { a: "foo", b: "bar" }, { a: "foo" }, true],
  ["different string", { a: "foo", b: "bar" }, { a: "baz" }, false],
  ["$eq", { a: "foo", b: "bar" }, { a: { $eq: "foo" } }, true],
  ["$eq different", { a: "foo", b: "bar" }, { a: { $eq: "baz" } }, false],
  ["$contains string", { a: ["foo", "bar", "baz"] }, { a: { $contains: "bar" } }, true],
  ["$contains missing", { a: ["foo", "bar", "baz"] }, { a: { $contains: "qux" } }, false],
  ["$contains non-array", { a: "bar" }, { a: { $contains: "bar" } }, false],
  [
    "$contains all",
    { a: ["foo", "bar", "baz", "qux"] },
    { a: { $contains: ["bar", "baz"] } },
    true,
  ],
  ["$contains not all", { a: ["foo", "bar"] }, { a: { $contains: ["bar", "baz"] } }, false],
  [
    "multiple conditions",
    { a: "foo", b: "bar", c: ["baz", "qux"] },
    { a: "foo", c: { $contains: "baz" } },
    true,
  ],
  [
    "one condition fails",
    { a: "foo", b: "bar", c: ["baz", "qux"] },
    { a: "different", c: { $contains: "baz" } },
    false,
  ],
  ["missing key", { a: "foo" }, { b: "bar" }, false],
];

const strict: Case[] = [
  ["no substring for $contains", { owner: "johndoe" }, { owner: { $contains: "john" } }, false],
  ["equality is not containment", { owner: ["alice", "bob"] }, { owner: "alice" }, false],
  ["equality of numbers", { n: 1 }, { n: 1 }, true],
  ["string vs number", { n: "1" }, { n: 1 }, false],
  ["null matches only null", { a: null }, { a: null }, true],
  ["null vs missing", {}, { a: null }, false],
];

describe("matchesScope", () => {
  it.each([...upstream, ...strict])("%s", (_name, doc, scope, expected) => {
    expect(matchesScope(doc, scope)).toBe(expected);
  });
});

describe("scopeSql on PGlite", () => {
  let storage: StorageHandle;
  beforeAll(async () => {
    storage = await openStorage({ databaseUrl: null, dataDir: null });
  });
  afterAll(async () => {
    await storage?.close();
  });

  it.each([...upstream, ...strict])("%s", async (_name, doc, scope, expected) => {
    const doc_ = sql`${JSON.stringify(doc)}::jsonb`;
    const result = await sql<{ ok: boolean }>`SELECT ${scopeSql(doc_, scope)} AS ok`.execute(
      storage.db,
    );
    expect(result.rows[0]?.ok).toBe(expected);
  });
});
