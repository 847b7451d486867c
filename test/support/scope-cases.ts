/**
 * The scope matching table shared by the in-memory matcher (test/unit/auth.scope.test.ts) and the
 * SQL one (test/storage/scope.sql.test.ts): the upstream `isAuthMatching` table (auth.test.mts),
 * the cases where we are stricter than a loose reading, and `$or` / `$and`.
 */
import type { ScopeFilter } from "../../src/auth/scope.ts";

/** `[name, document, filter, matches]`. */
export type Case = [string, Record<string, unknown>, ScopeFilter | undefined, boolean];

export const upstream: Case[] = [
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

export const strict: Case[] = [
  ["no substring for $contains", { owner: "johndoe" }, { owner: { $contains: "john" } }, false],
  ["equality is not containment", { owner: ["alice", "bob"] }, { owner: "alice" }, false],
  ["equality of numbers", { n: 1 }, { n: 1 }, true],
  ["string vs number", { n: "1" }, { n: 1 }, false],
  ["null matches only null", { a: null }, { a: null }, true],
  ["null vs missing", {}, { a: null }, false],
];

/** `$or` / `$and` (Agent Server auth filters), nested, beside plain keys. */
export const logical: Case[] = [
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
