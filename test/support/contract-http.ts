import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the black-box contract suites see of one HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as JSON unless it is already a string. */
  readonly body?: unknown;
  /**
   * Client address sent in X-Forwarded-For (the service trusts 127.0.0.1 as a proxy in
   * these suites). Default: a fresh random address per call, so rate limits only bite
   * where a test means them to.
   */
  readonly ip?: string | null;
  readonly token?: string;
}

export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export async function call(base: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const ip = options.ip === undefined ? randomIp() : options.ip;
  if (ip !== null) {
    headers['x-forwarded-for'] = ip;
  }
  if (options.token) {
    headers.authorization = `Bearer ${options.token}`;
  }
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: payload,
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const MONEY = /^\d+\.\d{2}$/;
const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'instance', 'request_id', 'errors'];

/**
 * The documented error shape: problem+json with exactly the listed members, `request_id`
 * equal to the response's x-request-id, `errors` ({ field, message }) on validation failures.
 */
export function expectProblem(
  answer: Answer,
  status: number,
  options: { errors?: 'required' | 'absent' | 'any'; members?: 'exact' | 'listed' } = {},
): void {
  expect({ status: answer.status, text: answer.text }).toMatchObject({ status });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = answer.body as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      request_id: answer.headers.get('x-request-id'),
    }),
  );
  if ((options.members ?? 'exact') === 'exact') {
    expect(Object.keys(body).filter((key) => !PROBLEM_MEMBERS.includes(key))).toEqual([]);
  }
  const errors = options.errors ?? 'any';
  if (errors === 'required') {
    expect(Array.isArray(body.errors)).toBe(true);
    expect((body.errors as unknown[]).length).toBeGreaterThan(0);
    for (const entry of body.errors as Record<string, unknown>[]) {
      expect(Object.keys(entry).sort()).toEqual(['field', 'message']);
      expect(entry).toEqual({ field: expect.any(String), message: expect.any(String) });
    }
  } else if (errors === 'absent') {
    expect(body.errors).toBeUndefined();
  }
  expect(answer.text).not.toMatch(/\bat .+\.(js|ts):\d+|SELECT |INSERT |whsec_|Bearer ey/);
}

/** Every `field` named in a validation problem. */
export function errorFields(answer: Answer): string[] {
  return ((answer.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
}

/** Retries `check` until it passes or `ms` elapsed (then rethrows its last failure). */
export async function eventually(check: () => Promise<void>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() >= deadline) {
        throw error;
      }
      await sleep(50);
    }
  }
}
