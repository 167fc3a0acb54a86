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
 * from ARGV[2] when it is missing, e.g. after Redis lost it), the entry stored under it
 * and its remaining TTL.
 */
export const LOOKUP_SCRIPT = `
local gen = redis.call('GET', KEYS[1])
if not gen then
  gen = ARGV[2]
  redis.call('SET', KEYS[1], gen)
end
local key = KEYS[2] .. gen .. ':' .. ARGV[1]
local value = redis.call('GET', key)
if value then
  return { gen, value, redis.call('PTTL', key) }
end
return { gen, false, 0 }
`;
