/**
 * One atomic sliding-log hit (KEYS[1] = the client's sorted set of allowed hits, scored by
 * Redis server time in ms). ARGV: limit, window ms, unique member. Returns
 * `{ allowed (0|1), hits in window, ms until the oldest hit leaves the window }`.
 *
 * Everything happens in one EVAL, so concurrent hits from any number of instances are
 * serialised by Redis and exactly `limit` of them are admitted per window (a GET-then-SET
 * storage admits more: nestjs/throttler#1303). Time comes from Redis `TIME`, so instance
 * clocks do not matter. One key per call: valid on Redis Cluster.
 */
export const SLIDING_LOG_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  count = count + 1
  allowed = 1
end
local reset = window
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if oldest[2] then
  reset = tonumber(oldest[2]) + window - now
end
return { allowed, count, reset }
`;
