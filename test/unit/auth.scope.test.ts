/**
 * Scope matching: the upstream `isAuthMatching` table (auth.test.mts) against our in-memory
 * `matchesScope`, and the SQL `scopeSql` (what storage applies) against the same table on PGlite,
 * plus the cases where we are stricter than a loose reading (substring, nested containment).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkScopeFilter,
  matchesScope,
  SCOPE_LIMITS,
  type Scope,
  type ScopeFilter,
  toScope,
} from "../../src/auth/scope.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { scopeSql } from "../../src/storage/sql/scope.ts";

type Case = [string, Record<string, unknown>, ScopeFilter | undefined, boolean];

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

/** `$or` / `$and` (Agent Server auth filters), nested, beside plain keys. */
const logical: Case[] = [
  [
    "$or first branch",
    { owner: "a" },
    { $or: [{ owner: "a" }, { shared: { $contains: "a" } }] },
    true,
  ],
  [
    "$or second branch",
    { owner: "b", shared: ["a"] },
    { $or: [{ owner: "a" }, { shared: { $contains: "a" } }] },
    true,
  ],
  [
    "$or no branch",
    { owner: "b", shared: ["c"] },
    { $or: [{ owner: "a" }, { shared: { $contains: "a" } }] },
    false,
  ],
  ["$and all", { team: "red", level: 2 }, { $and: [{ team: "red" }, { level: 2 }] }, true],
  ["$and one fails", { team: "red", level: 3 }, { $and: [{ team: "red" }, { level: 2 }] }, false],
  ["$or beside a key", { org: "x", owner: "b" }, { org: "y", $or: [{ owner: "b" }] }, false],
  [
    "$or inside $and",
    { org: "x", owner: "b" },
    { $and: [{ org: "x" }, { $or: [{ owner: "a" }, { owner: "b" }] }] },
    true,
  ],
  ["missing key in $or", {}, { $or: [{ owner: "a" }] }, false],
];

describe("checkScopeFilter", () => {
  it("accepts the logical filters above", () => {
    for (const [, , scope] of logical)
      expect(() => checkScopeFilter(scope as ScopeFilter)).not.toThrow();
  });
  it("refuses empty, non-array, unknown operators, too deep, too wide and too large", () => {
    const deep = (n: number): ScopeFilter => (n === 0 ? { a: 1 } : { $or: [deep(n - 1)] });
    const wide = { $or: Array.from({ length: SCOPE_LIMITS.branches + 1 }, (_, i) => ({ a: i })) };
    const large = Object.fromEntries(
      Array.from({ length: SCOPE_LIMITS.conditions + 1 }, (_, i) => [`k${i}`, i]),
    );
    const bad: [unknown, RegExp][] = [
      [{ $or: [] }, /non-empty array/],
      [{ $and: { a: 1 } }, /non-empty array/],
      [{ $or: ["a"] }, /must be an object/],
      [{ $nor: [{ a: 1 }] }, /unknown operator/],
      [deep(SCOPE_LIMITS.depth + 1), /deeper than/],
      [wide, /more than 16 filters/],
      [large, /more than 64 conditions/],
    ];
    for (const [filter, message] of bad)
      expect(() => checkScopeFilter(filter as ScopeFilter)).toThrow(message);
    expect(() => checkScopeFilter(deep(SCOPE_LIMITS.depth))).not.toThrow();
  });
});

describe("Scope", () => {
  it("is branded: only the auth layer's toScope makes one, after checking the filter", () => {
    // @ts-expect-error a plain filter is not a Scope (tsc proves no caller can skip toScope)
    const plain: Scope = { owner: "alice" };
    expect(toScope({ owner: "alice" })).toEqual(plain);
    expect(toScope(undefined)).toBeUndefined();
    expect(() => toScope({ $nor: [{ a: 1 }] } as ScopeFilter)).toThrow(/unknown operator/);
  });
});

describe("matchesScope", () => {
  it.each([...upstream, ...strict, ...logical])("%s", (_name, doc, scope, expected) => {
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

  it.each([...upstream, ...strict, ...logical])("%s", async (_name, doc, scope, expected) => {
    const doc_ = sql`${JSON.stringify(doc)}::jsonb`;
    const result = await sql<{
      ok: boolean;
    }>`SELECT ${scopeSql(doc_, toScope(scope))} AS ok`.execute(storage.db);
    expect(result.rows[0]?.ok).toBe(expected);
  });
});
