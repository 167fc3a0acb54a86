import { parseEnvList } from './options';
import { classifyPageKey, LISTING_PAGE_PREFIX } from './redis-census';
import { FLOOR_OF, selectScenarios } from './scenarios';
import { standardWebhookSignature } from './webhook-sender';

describe('classifyPageKey', () => {
  const page = (generation: string): string => `bench:${LISTING_PAGE_PREFIX}${generation}:abc`;

  it('tells pages of the current generation from those no read can reach any more', () => {
    expect(classifyPageKey(page('12'), 'bench:', '12')).toBe('live');
    expect(classifyPageKey(page('11'), 'bench:', '12')).toBe('dead');
    expect(classifyPageKey(page('120'), 'bench:', '12')).toBe('dead');
  });

  it('ignores keys that are not listing pages or belong to another prefix', () => {
    expect(classifyPageKey('bench:webhooks:done:x', 'bench:', '12')).toBeNull();
    expect(classifyPageKey(page('12'), 'other:', '12')).toBeNull();
  });
});

describe('selectScenarios', () => {
  it('runs everything in order by default', () => {
    expect(selectScenarios([])[0]).toBe('floor');
    expect(selectScenarios([])).toContain('churn');
  });

  it('adds the floors the ratios need, and what open-loop and deep depend on', () => {
    expect(selectScenarios(['hot'])).toEqual(['floor', 'hot']);
    expect(selectScenarios(['by-id', 'hot'])).toEqual(['floor', 'hot', 'by-id-floor', 'by-id']);
    expect(selectScenarios(['open-loop'])).toEqual(['db-floor', 'miss', 'open-loop']);
    expect(selectScenarios(['open-loop'], true)).toEqual(['db-floor', 'open-loop']);
    expect(selectScenarios(['deep'])).toEqual(['db-floor', 'first-page', 'deep']);
    expect(selectScenarios(['churn'])).toEqual(['churn']);
  });

  it('names the unknown scenario', () => {
    expect(() => selectScenarios(['hott'])).toThrow(/unknown scenario hott/);
  });

  it('gives every service scenario with a ratio a floor that is itself a scenario', () => {
    for (const floor of Object.values(FLOOR_OF)) {
      expect(selectScenarios([floor])).toEqual([floor]);
    }
  });
});

describe('standardWebhookSignature', () => {
  it('matches the published Standard Webhooks test vector', () => {
    expect(
      standardWebhookSignature(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        '1614265330',
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('parseEnvList', () => {
  it('reads KEY=VALUE items, values may hold "="', () => {
    expect(parseEnvList('RATE_LIMIT_ENABLED=false, DB_POOL_SIZE=20,X=a=b')).toEqual({
      RATE_LIMIT_ENABLED: 'false',
      DB_POOL_SIZE: '20',
      X: 'a=b',
    });
    expect(parseEnvList('')).toEqual({});
  });

  it('refuses an item without a key', () => {
    expect(() => parseEnvList('=1')).toThrow(/KEY=VALUE/);
  });
});
