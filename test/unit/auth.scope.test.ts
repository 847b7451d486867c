/**
 * Scope matching: the upstream `isAuthMatching` table (auth.test.mts) against our in-memory
 * `matchesScope`, plus the cases where we are stricter than a loose reading (substring, nested
 * containment); the same table runs against the SQL `scopeSql` in test/storage/scope.sql.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  checkScopeFilter,
  matchesScope,
  SCOPE_LIMITS,
  type Scope,
  type ScopeFilter,
  toScope,
} from "../../src/auth/scope.ts";
import { logical, strict, upstream } from "../support/scope-cases.ts";

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
