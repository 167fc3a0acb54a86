import { randomBytes } from 'node:crypto';

/**
 * A cache generation as stored in Redis: `<n>.<id>`. `n` orders the generations of one
 * namespace (each bump stores a higher `n` than both the stored one and any the bumping
 * instance has seen); `id` is unique per bump, so a value is never issued twice, even
 * when Redis has lost the stored one (restart without persistence, failover to a replica
 * that lacked it, eviction) and `n` starts again lower.
 */
export interface Generation {
  readonly value: string;
  readonly n: number;
}

const PATTERN = /^(\d{1,15})\.[A-Za-z0-9]+$/;
/** Unique per process; with the counter below, unique per proposed generation. */
const PROCESS_ID = randomBytes(6).toString('hex');
let sequence = 0;

/** Parses a stored generation; null for a missing or malformed one. */
export function parseGeneration(value: string | null | undefined): Generation | null {
  const match = value ? PATTERN.exec(value) : null;
  return match ? { value: value as string, n: Number(match[1]) } : null;
}

/** A never-issued id for the next generation (process id + counter, no round trip). */
export function newGenerationId(): string {
  sequence += 1;
  return `${PROCESS_ID}${sequence.toString(36)}`;
}

/**
 * Bumps a generation and announces the new value (`<generation> <namespace>`) in one
 * round trip. ARGV: channel, namespace, the lowest acceptable `n`, a fresh id.
 */
export const BUMP_GENERATION_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local n = 0
if current then
  n = tonumber(string.match(current, '^(%d+)%.')) or 0
end
local next = math.max(n + 1, tonumber(ARGV[3]))
local generation = string.format('%d', next) .. '.' .. ARGV[4]
redis.call('SET', KEYS[1], generation)
redis.call('PUBLISH', ARGV[1], generation .. ' ' .. ARGV[2])
return generation
`;

/**
 * One round trip per Redis lookup: reads the namespace's generation (creating a fresh one
 * from ARGV[2] when it is missing, e.g. after Redis lost it), the entry stored under it,
 * its remaining TTL and the head of the namespace's change feed (KEYS[3], '0-0' when
 * empty): a page computed after this read reflects every change up to that head.
 */
export const LOOKUP_SCRIPT = `
local gen = redis.call('GET', KEYS[1])
if not gen then
  gen = ARGV[2]
  redis.call('SET', KEYS[1], gen)
end
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local head = '0-0'
if last[1] then
  head = last[1][1]
end
local key = KEYS[2] .. gen .. ':' .. ARGV[1]
local value = redis.call('GET', key)
if value then
  return { gen, value, redis.call('PTTL', key), head }
end
return { gen, false, 0, head }
`;

/**
 * Appends changes to a namespace's feed (KEYS[1]), each entry naming the one before it
 * (`p`, '0-0' for the first), trimmed to about ARGV[1] entries, and announces them on
 * channel ARGV[2] as `changes\n<namespace ARGV[3]>\n<last id>\n[<change>,…]`. ARGV[4..]:
 * the changes as JSON. Returns the id of the last entry.
 */
export const PUBLISH_CHANGES_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if last[1] then
  prev = last[1][1]
end
local list = {}
for i = 4, #ARGV do
  prev = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'p', prev, 'c', ARGV[i])
  list[#list + 1] = ARGV[i]
end
redis.call('PUBLISH', ARGV[2], 'changes\\n' .. ARGV[3] .. '\\n' .. prev .. '\\n[' .. table.concat(list, ',') .. ']')
return prev
`;

/**
 * Reads a namespace's feed (KEYS[1]): its head ('0-0' when empty) and up to ARGV[2]
 * entries after ARGV[1] (none when ARGV[1] is empty: the first read only learns the head).
 */
export const POLL_CHANGES_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = '0-0'
if last[1] then
  head = last[1][1]
end
if ARGV[1] == '' then
  return { head, {} }
end
return { head, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', tonumber(ARGV[2])) }
`;
