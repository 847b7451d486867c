/**
 * Run control over Redis pub/sub: cancel / interrupt / rollback requests reach the worker holding
 * the run at once, whichever replica received the HTTP request. It wraps the database
 * notification pair the queue and the service already use: control channels are published on
 * Redis *and* on the database (NOTIFY, and the `cancel_action` the lease renewal reads stays the
 * last-resort path, within lease/3), so losing Redis never loses a cancel. Every replica receives
 * the broadcast; only the one executing the run acts (`RunQueue.stopLocal` is idempotent, so the
 * double delivery is harmless).
 *
 * Wake-ups (`olg_runs`) are not mirrored: they already cross replicas through LISTEN/NOTIFY on the
 * same PostgreSQL that holds the queue, a wake-up is only a hint (the sweep claims anyway), and a
 * second copy would only double the claim queries of every replica.
 */
import type { Logger } from "../logging/logger.ts";
import type { RedisConnection } from "../redis/connection.ts";
import { CHANNEL_CANCEL } from "./queue.ts";

/** The notification pair of the runs engine (`StorageHandle.listen` / `notify` shape). */
export interface Notifier {
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
}

/** Channels mirrored on Redis. */
export const CONTROL_CHANNELS: readonly string[] = [CHANNEL_CANCEL];

/** Adds the Redis control path to `db` (listen on both, publish on both). */
export function withRedisControl(db: Notifier, redis: RedisConnection, logger: Logger): Notifier {
  const redisChannel = (channel: string) => `${redis.prefix}control:${channel}`;
  return {
    async listen(channel, fn) {
      const offDb = await db.listen(channel, fn);
      if (!CONTROL_CHANNELS.includes(channel)) return offDb;
      const offRedis = await redis.subscribe(redisChannel(channel), (payload) => {
        logger.info({ channel, run_id: runIdOf(payload) }, "run control message received (redis)");
        fn(payload);
      });
      return async () => {
        await offRedis();
        await offDb();
      };
    },
    async notify(channel, payload) {
      if (CONTROL_CHANNELS.includes(channel)) {
        const sent = await redis.publish(redisChannel(channel), payload);
        if (!sent)
          logger.warn({ channel }, "redis unavailable: run control goes through the database");
      }
      await db.notify(channel, payload);
    },
  };
}

/** The run id of a control payload, for the log line. */
function runIdOf(payload: string): string | undefined {
  try {
    return (JSON.parse(payload) as { runId?: string }).runId;
  } catch {
    return undefined;
  }
}
