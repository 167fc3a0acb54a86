import { Controller, Get } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

@Controller('__metrics-probe')
class MetricsProbeController {
  @Get()
  hit(): { ok: true } {
    return { ok: true };
  }
}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Exposition {
  readonly types: Map<string, string>;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/g;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_count', '_sum', '_created', '_total'];

/** Values follow Go's ParseFloat, which matches NaN and Inf case-insensitively. */
function parseValue(raw: string, line: string): number {
  const special = raw.toLowerCase();
  if (special === '+inf' || special === 'inf') {
    return Infinity;
  }
  if (special === '-inf') {
    return -Infinity;
  }
  if (special === 'nan') {
    return NaN;
  }
  const value = Number(raw);
  if (raw.trim() === '' || Number.isNaN(value)) {
    throw new Error(`bad sample value in: ${line}`);
  }
  return value;
}

function parseLabels(raw: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!raw) {
    return labels;
  }
  let consumed = 0;
  for (const match of raw.matchAll(LABEL_PAIR)) {
    labels[match[1]] = match[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    consumed += match[0].length;
  }
  if (consumed !== raw.length) {
    throw new Error(`bad label set in: ${line}`);
  }
  return labels;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) {
    return name;
  }
  const suffix = SUFFIXES.find((s) => name.endsWith(s));
  return suffix && types.has(name.slice(0, -suffix.length))
    ? name.slice(0, -suffix.length)
    : undefined;
}

/** Parses the Prometheus text format (0.0.4) strictly: any malformed line throws. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'TYPE') {
        if (!METRIC_NAME.test(name) || !TYPES.has(rest[0]) || types.has(name)) {
          throw new Error(`bad TYPE line: ${line}`);
        }
        types.set(name, rest[0]);
      } else if (keyword === 'HELP' && !METRIC_NAME.test(name)) {
        throw new Error(`bad HELP line: ${line}`);
      }
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (!match) {
      throw new Error(`bad sample line: ${line}`);
    }
    const [, name, rawLabels, rawValue] = match;
    if (!familyOf(name, types)) {
      throw new Error(`sample without a TYPE: ${line}`);
    }
    samples.push({ name, labels: parseLabels(rawLabels, line), value: parseValue(rawValue, line) });
  }
  return { types, samples };
}

function valueOf(
  exposition: Exposition,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  return exposition.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe('Prometheus metrics', () => {
  let env: TestEnv;
  let test: TestApp;

  const scrape = async (): Promise<Exposition> => {
    const res = await test.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.body);
  };

  /** onResponse hooks run after the response is written: wait until the value settles. */
  const waitFor = async (read: () => Promise<number>, expected: number): Promise<number> => {
    let value = await read();
    for (let i = 0; i < 20 && value !== expected; i += 1) {
      await sleep(50);
      value = await read();
    }
    return value;
  };

  beforeAll(async () => {
    env = createTestEnv({ RATE_LIMIT_LIMIT: '2', RATE_LIMIT_WINDOW_S: '60' });
    test = await createTestApp({ controllers: [MetricsProbeController] });
  });

  afterAll(async () => {
    await test?.close();
    await env?.cleanup();
  });

  it('serves valid Prometheus text declaring every service metric', async () => {
    const { types } = await scrape();
    expect(Object.fromEntries(types)).toMatchObject({
      http_request_duration_seconds: 'histogram',
      products_cache_requests_total: 'counter',
      products_cache_memory_hits_total: 'counter',
      oauth_token_fetches_total: 'counter',
      partner_circuit_state: 'gauge',
      partner_circuit_transitions_total: 'counter',
      partner_attempts_total: 'counter',
      partner_retries_total: 'counter',
      webhook_events_total: 'counter',
      rate_limit_rejections_total: 'counter',
    });
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('counts requests by route template and status in the duration histogram', async () => {
    const live = { method: 'GET', route: '/health/live', status_code: '200' };
    const before = valueOf(await scrape(), 'http_request_duration_seconds_count', live) ?? 0;
    for (let i = 0; i < 5; i += 1) {
      expect((await test.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    }
    const readCount = async (): Promise<number> =>
      valueOf(await scrape(), 'http_request_duration_seconds_count', live) ?? 0;
    expect(await waitFor(readCount, before + 5)).toBe(before + 5);

    const exposition = await scrape();
    const buckets = exposition.samples
      .filter(
        (s) =>
          s.name === 'http_request_duration_seconds_bucket' &&
          s.labels.route === '/health/live' &&
          s.labels.status_code === '200',
      )
      .map((s) => s.value);
    expect(buckets.length).toBeGreaterThan(1);
    expect([...buckets].sort((x, y) => x - y)).toEqual(buckets);
    expect(buckets[buckets.length - 1]).toBe(before + 5);
    expect(
      valueOf(exposition, 'http_request_duration_seconds_bucket', { ...live, le: '+Inf' }),
    ).toBe(before + 5);
  });

  it('counts listing cache lookups by result, and the hits answered in process', async () => {
    const read = async (name: string, labels: Record<string, string> = {}): Promise<number> =>
      valueOf(await scrape(), name, labels) ?? 0;
    const path = '/products?limit=1&sort=id';
    for (let i = 1; i <= 10 && (await read('products_cache_memory_hits_total')) === 0; i += 1) {
      // Distinct clients: this suite's rate limit is 2 requests per window.
      const res = await test.app.inject({
        method: 'GET',
        url: path,
        remoteAddress: `10.77.0.${i}`,
      });
      expect(res.statusCode).toBe(200);
    }
    expect(await read('products_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(await read('products_cache_memory_hits_total')).toBe(1);
    expect(await read('products_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('records rate-limit rejections by group and the 429 in the histogram', async () => {
    const rejections = async (): Promise<number> =>
      valueOf(await scrape(), 'rate_limit_rejections_total', { group: 'default' }) ?? 0;
    const before = await rejections();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await test.app.inject({ method: 'GET', url: '/__metrics-probe' })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(await rejections()).toBe(before + 2);

    const limited = { route: '/__metrics-probe', status_code: '429' };
    const readLimited = async (): Promise<number> =>
      valueOf(await scrape(), 'http_request_duration_seconds_count', limited) ?? 0;
    expect(await waitFor(readLimited, 2)).toBe(2);
  });
});
