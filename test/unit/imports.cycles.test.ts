/** No import cycle among src/ files (type-only imports included: they still couple the modules). */
import { describe, expect, it } from "vitest";
import { findCycles, importCycles, importsOf, SRC, sourceFiles } from "../support/import-graph.ts";

describe("import cycles", () => {
  it("the walker finds a cycle and ignores a chain into it", () => {
    const graph: Record<string, string[]> = { a: ["b"], b: ["c"], c: ["a"], d: ["a"], e: [] };
    expect(findCycles(Object.keys(graph), (n) => graph[n] ?? [])).toEqual([["a", "b", "c"]]);
    expect(findCycles(["d", "e"], (n) => graph[n] ?? [])).toEqual([["a", "b", "c"]]);
  });

  it("reads type-only imports and re-exports", () => {
    const main = `${SRC}/main.ts`;
    expect(importsOf(main)).toContain("./server/build.ts");
    expect(sourceFiles().length).toBeGreaterThan(100);
  });

  it("src/ has none", () => {
    const cycles = importCycles().map((c) => c.join(" -> "));
    expect(cycles).toEqual([]);
  });
});
