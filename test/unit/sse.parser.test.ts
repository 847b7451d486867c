/** The tests' SSE parser: heartbeats (comments) anywhere never drop, split or shift a frame. */
import { describe, expect, it } from "vitest";
import { parseSse, sseFrames } from "../support/sse.ts";

describe("test SSE parser", () => {
  it("ignores a heartbeat between frames and inside a frame", () => {
    const text =
      'event: metadata\ndata: {"run_id":"r"}\nid: 0\n\n: heartbeat\n\nevent: values\n: heartbeat\ndata: {"a":1}\nid: 1\n\n';
    expect(sseFrames(text)).toEqual([
      'event: metadata\ndata: {"run_id":"r"}\nid: 0',
      'event: values\ndata: {"a":1}\nid: 1',
    ]);
    expect(parseSse(text)).toEqual([
      { event: "metadata", id: "0", data: { run_id: "r" } },
      { event: "values", id: "1", data: { a: 1 } },
    ]);
  });

  it("reads CRLF frames, multi-line data and a last frame without a blank line", () => {
    const text = "data: line 1\r\ndata: line 2\r\n\r\nevent: end\ndata: null";
    expect(parseSse(text)).toEqual([
      { event: "message", id: undefined, data: "line 1\nline 2" },
      { event: "end", id: undefined, data: null },
    ]);
  });
});
