import {
  signStandardWebhook,
  verifyStandardWebhook,
  webhookKeys,
} from './standard-webhook.verifier';

// Published Standard Webhooks test vector (libraries/javascript/src/webhook.test.ts).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = '1614265330';
const BODY = Buffer.from('{"test": 2432232314}');
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const NOW = { nowS: Number(TIMESTAMP) };

const headers = (overrides: Record<string, string | undefined> = {}) => ({
  id: ID,
  timestamp: TIMESTAMP,
  signature: SIGNATURE,
  ...overrides,
});

describe('verifyStandardWebhook', () => {
  it('accepts the published test vector', () => {
    expect(verifyStandardWebhook(headers(), BODY, [SECRET], NOW)).toEqual({
      ok: true,
      id: ID,
      timestamp: Number(TIMESTAMP),
    });
  });

  it('signs the published test vector', () => {
    expect(signStandardWebhook(SECRET, ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from('{"test": 2432232315}');
    expect(verifyStandardWebhook(headers(), tampered, [SECRET], NOW)).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  it.each(['id', 'timestamp', 'signature'])('rejects a delivery without the %s header', (name) => {
    expect(verifyStandardWebhook(headers({ [name]: undefined }), BODY, [SECRET], NOW)).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
  });

  it.each([
    ['an empty v1 signature', 'v1,'],
    ['a truncated signature', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O=='],
    ['another version only', 'v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='],
    ['a signature without version', 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='],
    ['garbage', 'v1,!!!!'],
  ])('rejects %s', (_label, signature) => {
    expect(verifyStandardWebhook(headers({ signature }), BODY, [SECRET], NOW)).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  it('accepts a header where one of several signatures matches', () => {
    const signature = `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,abc ${SIGNATURE}`;
    expect(verifyStandardWebhook(headers({ signature }), BODY, [SECRET], NOW).ok).toBe(true);
  });

  it('accepts a signature made with any of the configured secrets', () => {
    const other = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    expect(verifyStandardWebhook(headers(), BODY, [other, SECRET], NOW).ok).toBe(true);
    expect(verifyStandardWebhook(headers(), BODY, [other], NOW).ok).toBe(false);
    expect(verifyStandardWebhook(headers(), BODY, [], NOW).ok).toBe(false);
  });

  it('accepts timestamps up to 300 s away in both directions and rejects 301 s', () => {
    const at = (nowS: number) => verifyStandardWebhook(headers(), BODY, [SECRET], { nowS });
    expect(at(Number(TIMESTAMP) + 300).ok).toBe(true);
    expect(at(Number(TIMESTAMP) - 300).ok).toBe(true);
    expect(at(Number(TIMESTAMP) + 301)).toEqual({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
    expect(at(Number(TIMESTAMP) - 301)).toEqual({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
  });

  it.each(['abc', '-1614265330', '1614265330.5', ''])('rejects the timestamp %p', (timestamp) => {
    const result = verifyStandardWebhook(headers({ timestamp }), BODY, [SECRET], NOW);
    expect(result.ok).toBe(false);
  });

  it.each(['msg.1', 'msg 1', 'x'.repeat(256), 'mség'])('rejects the id %p', (id) => {
    expect(verifyStandardWebhook(headers({ id }), BODY, [SECRET], NOW)).toEqual({
      ok: false,
      reason: 'invalid_id',
    });
  });
});

describe('webhookKeys', () => {
  it('decodes the base64 part of a whsec_ secret', () => {
    expect(webhookKeys('whsec_AQID')).toEqual([Buffer.from([1, 2, 3])]);
  });

  it('uses a secret without prefix as raw bytes, and its base64 decoding when valid', () => {
    expect(webhookKeys('plain secret!')).toEqual([Buffer.from('plain secret!')]);
    expect(webhookKeys('AQID')).toEqual([Buffer.from('AQID'), Buffer.from([1, 2, 3])]);
  });

  it('has no key for an empty secret', () => {
    expect(webhookKeys('')).toEqual([]);
    expect(webhookKeys('whsec_')).toEqual([]);
  });

  it('verifies a signature made with the raw bytes of a plain secret', () => {
    const signature = signStandardWebhook('plain secret!', ID, TIMESTAMP, BODY);
    const result = verifyStandardWebhook(headers({ signature }), BODY, ['plain secret!'], NOW);
    expect(result.ok).toBe(true);
  });
});
