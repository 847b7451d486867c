/**
 * Wake-ups between the two threads of a split role `all` on MariaDB/CockroachDB
 * (`src/storage/mysql/sibling-wakeups.ts`): a notification reaches the other thread's subscribers
 * at once over the `BroadcastChannel`, the sender's own through its carrier, and nothing after
 * close. The carriers here are the in-process part of the real ones: they deliver to their own
 * subscribers and record what they would send to the database.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { MysqlNotifier } from "../../src/storage/mysql/notifier.ts";
import { withSiblingWakeups } from "../../src/storage/mysql/sibling-wakeups.ts";

function localCarrier() {
  const subs = new Map<string, Set<(p: string) => void>>();
  const sent: string[] = [];
  const carrier: MysqlNotifier = {
    async listen(channel, fn) {
      const set = subs.get(channel) ?? new Set();
      subs.set(channel, set);
      set.add(fn);
      return async () => {
        set.delete(fn);
      };
    },
    async notify(channel, payload) {
      sent.push(`${channel}:${payload}`);
      for (const fn of subs.get(channel) ?? []) fn(payload);
    },
    stats: () => ({ mode: "poll", polls: 0, delivered: 0, errors: 0 }),
    close: async () => {},
  };
  return { carrier, sent };
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe("wake-ups between the threads of one process", () => {
  it("reach the other side at once, the sender's own subscribers once", async () => {
    const name = `olg-test-${randomUUID()}`;
    const a = localCarrier();
    const b = localCarrier();
    const http = withSiblingWakeups(a.carrier, name);
    const executor = withSiblingWakeups(b.carrier, name);
    const gotExecutor: string[] = [];
    const gotHttp: string[] = [];
    await executor.listen("olg_runs", (p) => gotExecutor.push(p));
    await http.listen("olg_runs", (p) => gotHttp.push(p));
    await http.notify("olg_runs", "run-1");
    await tick();
    expect(gotExecutor).toEqual(["run-1"]);
    expect(gotHttp).toEqual(["run-1"]); // through its own carrier, not twice
    expect(a.sent).toEqual(["olg_runs:run-1"]); // other processes still get it
    await executor.notify("olg_runs_done", "run-1"); // nobody listens there
    await http.close();
    await executor.notify("olg_runs", "run-2");
    await tick();
    expect(gotHttp).toEqual(["run-1"]);
    await executor.close();
  });
});
