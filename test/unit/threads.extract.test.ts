/** Unit: `extract` paths of thread search. */
import { describe, expect, it } from "vitest";
import { compileExtract, parseExtractPath } from "../../src/threads/extract.ts";

describe("extract paths", () => {
  it("parses keys and (negative) indexes", () => {
    expect(parseExtractPath("values.messages[-1].content")).toEqual([
      { key: "values" },
      { key: "messages" },
      { index: -1 },
      { key: "content" },
    ]);
    expect(parseExtractPath("metadata.a[0][1]")).toEqual([
      { key: "metadata" },
      { key: "a" },
      { index: 0 },
      { index: 1 },
    ]);
  });

  it("rejects malformed paths and unknown roots as invalid input", () => {
    for (const bad of ["", "values.", "values..a", "[0]", "values[x]", "status", "values.a]"]) {
      expect(() => parseExtractPath(bad), bad).toThrow(
        expect.objectContaining({ code: "invalid_input" }),
      );
    }
  });

  it("extracts values, null for anything missing", () => {
    const extract = compileExtract({
      last: "values.messages[-1].content",
      first: "values.messages[0].content",
      owner: "metadata.owner",
      nope: "values.missing[3].x",
      notArray: "metadata.owner[0]",
    });
    const out = extract({
      values: { messages: [{ content: "a" }, { content: "b" }] },
      metadata: { owner: "alice" },
    });
    expect(out).toEqual({ last: "b", first: "a", owner: "alice", nope: null, notArray: null });
  });

  it("allows at most 10 aliases", () => {
    const spec = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, "values.x"]));
    expect(() => compileExtract(spec)).toThrow(/at most 10/);
  });
});
