import { cachedToken, deserializeToken, isFresh, isUsable, serializeToken } from './cached-token';
import { basicAuthorization, normalizeScope } from './oauth-token.client';

describe('cachedToken', () => {
  it('keeps a 60 s margin for long lifetimes and refreshes at 75 % of the usable window', () => {
    const token = cachedToken('t', 1_000_000, 3600);
    expect(token.expiresAt).toBe(1_000_000 + 3_600_000);
    expect(token.usableUntil).toBe(1_000_000 + 3_540_000);
    expect(token.refreshAt).toBe(1_000_000 + 2_655_000);
  });

  it('uses a quarter of short lifetimes as the margin', () => {
    const token = cachedToken('t', 0, 20);
    expect(token.usableUntil).toBe(15_000);
    expect(token.refreshAt).toBe(11_250);
    expect(isFresh(token, 11_249)).toBe(true);
    expect(isFresh(token, 11_250)).toBe(false);
    expect(isUsable(token, 14_999)).toBe(true);
    expect(isUsable(token, 15_000)).toBe(false);
    expect(isUsable(null, 0)).toBe(false);
  });

  it('round-trips through its Redis form and rejects anything else', () => {
    const token = cachedToken('abc', 5, 60);
    expect(deserializeToken(serializeToken(token))).toEqual(token);
    expect(deserializeToken(null)).toBeNull();
    expect(deserializeToken('not json')).toBeNull();
    expect(deserializeToken('{"access_token":"x"}')).toBeNull();
  });
});

describe('token request encoding', () => {
  it('form-encodes client credentials before base64 (RFC 6749 §2.3.1)', () => {
    const header = basicAuthorization('my client', 'p@ss:w/rd');
    const decoded = Buffer.from(header.replace('Basic ', ''), 'base64').toString();
    expect(decoded).toBe('my+client:p%40ss%3Aw%2Frd');
  });

  it('normalizes scopes to a sorted, de-duplicated list', () => {
    expect(normalizeScope(' b  a b ')).toBe('a b');
    expect(normalizeScope('')).toBe('');
  });
});
