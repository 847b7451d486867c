/**
 * Wake-ups between the two threads of one process (role `all` split into an HTTP thread and a run
 * executor thread, `server/executor-split.ts`) on the engines whose NOTIFY is emulated
 * (MariaDB/MySQL, CockroachDB: `notifier.ts`). Without it a run created on the HTTP thread would
 * wait for the executor thread's next poll of `olg_notifications` (up to 100 ms), and so would its
 * end for the waiter. A `BroadcastChannel` named for the process carries each notification to the
 * other thread at once; both threads' carriers send with one shared origin, so the copy that
 * crosses the database (or Redis) is skipped there, while other processes still receive it.
 * Shape on the channel: `{ channel, payload }` (strings).
 */
import { BroadcastChannel } from "node:worker_threads";
import type { Db } from "../database.ts";
import type { ListenerLog } from "../postgres/listener.ts";
import { type MysqlNotifier, pollingNotifier, redisNotifier } from "./notifier.ts";

/** The name and origin both threads of a process share (`Settings.siblingWakeups`). */
export interface SiblingWakeups {
  channel: string;
  origin: string;
}

/** `inner` (created with the shared origin) plus the other thread's notifications. */
export function withSiblingWakeups(inner: MysqlNotifier, name: string): MysqlNotifier {
  const subs = new Map<string, Set<(payload: string) => void>>();
  const bc = new BroadcastChannel(name);
  (bc as { unref?: () => void }).unref?.();
  bc.onmessage = (event) => {
    const { channel, payload } = (event as { data: { channel: string; payload: string } }).data;
    for (const fn of subs.get(channel) ?? []) {
      try {
        fn(payload);
      } catch {
        // a subscriber's failure is its own
      }
    }
  };
  return {
    async listen(channel, fn) {
      let set = subs.get(channel);
      if (!set) {
        set = new Set();
        subs.set(channel, set);
      }
      set.add(fn);
      const off = await inner.listen(channel, fn);
      return async () => {
        set.delete(fn);
        await off();
      };
    },
    async notify(channel, payload) {
      bc.postMessage({ channel, payload });
      await inner.notify(channel, payload);
    },
    stats: () => inner.stats(),
    async close() {
      bc.close();
      await inner.close();
    },
  };
}

/** The wake-up carrier of `options` (MariaDB and CockroachDB), with the other thread's when split. */
export async function wakeups(
  db: Db,
  options: {
    redisUrl?: string | null;
    log?: ListenerLog;
    pollMs?: number;
    siblings?: SiblingWakeups;
  },
): Promise<MysqlNotifier> {
  const origin = options.siblings?.origin;
  const inner = options.redisUrl
    ? await redisNotifier(options.redisUrl, options.log, origin)
    : pollingNotifier(db, options.pollMs ?? 100, options.log, origin);
  return options.siblings ? withSiblingWakeups(inner, options.siblings.channel) : inner;
}
