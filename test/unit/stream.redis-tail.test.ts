/**
 * The shared reader's buffer (src/stream/redis-tail.ts) against a scripted connection: a waiter
 * whose next entries were dropped from the buffer by the same `XREAD` reply that delivered the
 * later ones gets `gap` (it then pages on its own), never the later entries (a silent skip).
 * The loop and the Redis protocol are covered against a real redis-server in
 * stream.shared-reader.test.ts; here the reply sizes are chosen so the buffer overflows.
 */
import { describe, expect, it } from "vitest";
import { type Entry, RedisTail } from "../../src/stream/redis-tail.ts";

const entry = (n: number): Entry => [`${n}-0`, ["e", "values", "d", String(n)]];

/** A connection whose XREAD replies are handed out one by one by the test. */
function scripted() {
  const replies: ((value: [string, Entry[]][] | null) => void)[] = [];
  const conn = {
    xread: () => new Promise((resolve) => replies.push(resolve)),
    client: async () => 1,
    once: () => conn,
  };
  return { conn, replies };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("RedisTail buffer", () => {
  it("a waiter behind what one reply pushed out of the buffer gets gap, not a skip", async () => {
    const { conn, replies } = scripted();
    const tail = new RedisTail({
      command: conn as never,
      acquire: () => conn as never,
      release: () => {},
      waitReady: async () => true,
      keepEntries: 2,
    });
    const key = "k";
    const signal = new AbortController().signal;
    const stop = tail.watch(key);
    try {
      const first = tail.next(key, "0-0", 60_000, signal);
      await until(() => replies.length === 1);
      replies.shift()?.([[key, [entry(1)]]]);
      expect(await first).toEqual({ kind: "entries", entries: [entry(1)] });
      // Waits after 1-0; the next reply brings 2..5, of which the buffer keeps only 4 and 5.
      const second = tail.next(key, "1-0", 60_000, signal);
      await until(() => replies.length === 1);
      replies.shift()?.([[key, [entry(2), entry(3), entry(4), entry(5)]]]);
      expect(await second).toEqual({ kind: "gap" });
      // A reader at 4-0 is served from the buffer.
      expect(await tail.next(key, "4-0", 60_000, signal)).toEqual({
        kind: "entries",
        entries: [entry(5)],
      });
    } finally {
      stop();
      tail.close();
    }
  });
});
