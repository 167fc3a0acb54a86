import { setTimeout as sleep } from 'node:timers/promises';

export interface Visibility {
  /** Ms from the start of the wait until every instance showed the change (or the limit). */
  readonly elapsedMs: number;
  readonly visible: boolean;
  /** What each instance showed last, for failure messages. */
  readonly last: unknown[];
}

/**
 * Polls every base URL's `path` until `shows` holds for all of them at once, for at most
 * `limitMs` (then reports what each showed last).
 */
export async function waitUntilVisible(
  baseUrls: readonly string[],
  path: string,
  shows: (body: unknown) => boolean,
  limitMs: number,
): Promise<Visibility> {
  const started = Date.now();
  for (;;) {
    const last = await Promise.all(
      baseUrls.map(async (base) => {
        const res = await fetch(`${base}${path}`);
        return { status: res.status, cache: res.headers.get('x-cache'), body: await res.json() };
      }),
    );
    const elapsedMs = Date.now() - started;
    if (last.every((answer) => shows((answer as { body: unknown }).body))) {
      return { elapsedMs, visible: true, last };
    }
    if (elapsedMs > limitMs) {
      return { elapsedMs, visible: false, last };
    }
    await sleep(25);
  }
}

/**
 * Polls every base URL's `path` for `forMs` and returns the first answer for which `shows`
 * does not hold (undefined when every answer showed it).
 */
export async function firstLapse(
  baseUrls: readonly string[],
  path: string,
  shows: (body: unknown) => boolean,
  forMs: number,
): Promise<unknown> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    for (const base of baseUrls) {
      const res = await fetch(`${base}${path}`);
      const body: unknown = await res.json();
      if (!shows(body)) {
        return { base, status: res.status, cache: res.headers.get('x-cache'), body };
      }
    }
    await sleep(25);
  }
  return undefined;
}
