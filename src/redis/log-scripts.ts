/** Lua scripts of the Redis run event log (see src/stream/redis-log.ts for the key layout). */

/** Declares a run (resumable only ever upgrades). */
export const OPEN = `
local r = redis.call('HGET', KEYS[1], 'resumable')
if r ~= '1' then redis.call('HSET', KEYS[1], 'resumable', ARGV[1]) end
redis.call('HSETNX', KEYS[1], 'next', 0)
redis.call('HSETNX', KEYS[1], 'consumed', 0)
if redis.call('HGET', KEYS[1], 'done') ~= '1' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * Appends a batch of events (ARGV[6] = count, then name and JSON data of each): the first gets
 * index n = max(stored next, writer's next = ARGV[4]), the others n+1, …; each is XADDed as
 * `<index+1>-0`. Returns n. A repeated token returns the first result (a retry never duplicates);
 * -1 when the writer expected a log that is gone (Redis restarted empty).
 */
export const APPEND_BATCH = `
if tonumber(ARGV[4]) > 0 and redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'tok') == ARGV[1] then
  return tonumber(redis.call('HGET', KEYS[1], 'tokidx'))
end
local n = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if tonumber(ARGV[4]) > n then n = tonumber(ARGV[4]) end
if redis.call('HEXISTS', KEYS[1], 'resumable') == 0 then
  redis.call('HSET', KEYS[1], 'resumable', ARGV[5], 'consumed', 0)
end
local count = tonumber(ARGV[6])
for i = 0, count - 1 do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], (n + i + 1) .. '-0',
    'e', ARGV[7 + 2 * i], 'd', ARGV[8 + 2 * i])
end
redis.call('HSET', KEYS[1], 'next', n + count, 'done', '0', 'tok', ARGV[1], 'tokidx', n)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return n`;

/**
 * Adds the completion marker `<next>-<k>` and starts the retention expiry; -1 when the writer
 * (ARGV[3] = its next index, 0 if unknown) expected a log that is gone (Redis restarted empty).
 */
export const COMPLETE = `
if tonumber(ARGV[3] or '0') > 0 and redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
local k = redis.call('HINCRBY', KEYS[1], 'completions', 1)
redis.call('XADD', KEYS[2], n .. '-' .. k, 'x', 'done')
redis.call('HSET', KEYS[1], 'done', '1')
local ttl = ARGV[2]
if redis.call('HGET', KEYS[1], 'resumable') == '1' then ttl = ARGV[1] end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return k`;

/** Raises the `consumed` mark of a non-resumable run. */
export const CONSUMED = `
local c = tonumber(redis.call('HGET', KEYS[1], 'consumed') or '0')
if c < tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'consumed', ARGV[1])
end
return 1`;
