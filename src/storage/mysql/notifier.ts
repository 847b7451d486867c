/**
 * LISTEN/NOTIFY for MySQL/MariaDB, which have neither. Two carriers, chosen at open:
 * - **Redis** (`REDIS_URL` set): one subscriber connection per process, `PUBLISH` per notify;
 *   ioredis resubscribes after a reconnect.
 * - **Polling** (no Redis): `notify` inserts a row into `olg_notifications`; every process with a
 *   subscriber reads the rows above the last id it saw every `intervalMs` (default 100 ms), so a
 *   wake-up crosses processes within one interval. Rows older than a minute are deleted. The poll
 *   count and the delivered count are exported as metrics (`wakeupStats`).
 * Either way a notification reaches this process's own subscribers at once, as PostgreSQL's does
 * (and, split in two threads, the other thread's: `sibling-wakeups.ts`; each carrier takes the
 * origin the threads share, so neither reads back what the other sent).
 * A notification may be lost (Redis down, an insert that commits after a later one was read);
 * as on PostgreSQL, every subscriber also polls its source of truth, so a loss costs latency only.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db, Listen } from "../database.ts";
import { nowPlusMs } from "../engine/neutral.ts";
import type { ListenerLog } from "../postgres/listener.ts";

/** Wake-up figures for metrics. */
export interface WakeupStats {
  mode: "redis" | "poll";
  /** Polls of `olg_notifications` run (0 with Redis). */
  polls: number;
  /** Notifications delivered from other processes. */
  delivered: number;
  /** Failed polls or publishes. */
  errors: number;
}

/** The notification pair of a MySQL/MariaDB handle. */
export interface MysqlNotifier {
  listen: Listen;
  notify(channel: string, payload: string): Promise<void>;
  stats(): WakeupStats;
  close(): Promise<void>;
}

type Subscribers = Map<string, Set<(payload: string) => void>>;

const deliver = (subs: Subscribers, channel: string, payload: string) => {
  for (const fn of subs.get(channel) ?? []) {
    try {
      fn(payload);
    } catch {
      // a subscriber's failure is its own
    }
  }
};

/** Wake-ups over Redis pub/sub (ioredis is loaded only here, when Redis is configured). */
export async function redisNotifier(
  url: string,
  log?: ListenerLog,
  origin: string = randomUUID(),
): Promise<MysqlNotifier> {
  const { Redis } = await import("ioredis");
  const subs: Subscribers = new Map();
  const prefix = "olg:notify:";
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: true };
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  const stats: WakeupStats = { mode: "redis", polls: 0, delivered: 0, errors: 0 };
  for (const r of [pub, sub]) r.on("error", () => {}); // ioredis reconnects; losses are counted on use
  sub.on("message", (ch: string, message: string) => {
    const sep = message.indexOf("\n");
    if (sep < 0 || message.slice(0, sep) === origin) return;
    stats.delivered++;
    deliver(subs, ch.slice(prefix.length), message.slice(sep + 1));
  });
  return {
    async listen(channel, fn) {
      let set = subs.get(channel);
      if (!set) {
        set = new Set();
        subs.set(channel, set);
        await sub.subscribe(prefix + channel);
      }
      set.add(fn);
      return async () => {
        set.delete(fn);
      };
    },
    async notify(channel, payload) {
      queueMicrotask(() => deliver(subs, channel, payload));
      try {
        await pub.publish(prefix + channel, `${origin}\n${payload}`);
      } catch (err) {
        stats.errors++;
        log?.warn(
          { err, channel },
          "redis wake-up not published; subscribers fall back to polling",
        );
      }
    },
    stats: () => ({ ...stats }),
    async close() {
      sub.disconnect();
      pub.disconnect();
    },
  };
}

/** Wake-ups through the `olg_notifications` table, polled every `intervalMs`. */
export function pollingNotifier(
  db: Db,
  intervalMs = 100,
  log?: ListenerLog,
  origin: string = randomUUID(),
): MysqlNotifier {
  const subs: Subscribers = new Map();
  const stats: WakeupStats = { mode: "poll", polls: 0, delivered: 0, errors: 0 };
  let lastId: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastPrune = 0;

  const poll = async () => {
    if (lastId == null) {
      const r = await sql<{
        id: number | null;
      }>`SELECT MAX(id) AS id FROM olg_notifications`.execute(db);
      lastId = Number(r.rows[0]?.id ?? 0);
      return;
    }
    stats.polls++;
    const rows = await sql<{ id: number; channel: string; payload: string; origin: string }>`
      SELECT id, channel, payload, origin FROM olg_notifications
      WHERE id > ${lastId} ORDER BY id LIMIT 1000`.execute(db);
    for (const row of rows.rows) {
      lastId = Math.max(lastId, Number(row.id));
      if (row.origin === origin) continue;
      stats.delivered++;
      deliver(subs, row.channel, row.payload);
    }
    if (Date.now() - lastPrune > 10_000) {
      lastPrune = Date.now();
      // Neutral time (engine port): MariaDB and CockroachDB share this carrier.
      await sql`DELETE FROM olg_notifications WHERE created_at < ${nowPlusMs(-60_000)}`.execute(db);
    }
  };
  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(async () => {
      try {
        await poll();
      } catch (err) {
        stats.errors++;
        if (stats.errors % 50 === 1) log?.warn({ err }, "polling database wake-ups failed");
      }
      timer = undefined;
      if ([...subs.values()].some((s) => s.size > 0)) schedule();
    }, intervalMs);
    timer.unref?.();
  };

  return {
    async listen(channel, fn) {
      let set = subs.get(channel);
      if (!set) {
        set = new Set();
        subs.set(channel, set);
      }
      set.add(fn);
      if (lastId == null) await poll();
      schedule();
      return async () => {
        set.delete(fn);
      };
    },
    async notify(channel, payload) {
      queueMicrotask(() => deliver(subs, channel, payload));
      await sql`INSERT INTO olg_notifications (channel, payload, origin)
        VALUES (${channel}, ${payload}, ${origin})`.execute(db);
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
