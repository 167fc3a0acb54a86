import type { ChurnResult } from './churn';
import type { KeyGroup } from './redis-census';

const SECONDS_PER_DAY = 86_400;

const pct = (share: number | null): string =>
  share === null ? '–' : `${(share * 100).toFixed(1)} %`;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const group = (g: KeyGroup): string => `${g.count.toLocaleString('en-US')} (${mib(g.bytes)})`;

/**
 * Steady-state size of the `webhooks:done` keys and daily growth of `webhook_events` at
 * a given event rate, from what one event was measured to leave behind.
 */
export function capacityAt(
  churn: ChurnResult,
  eventsPerS: number,
): { doneKeys: number; doneBytes: number; rowsPerDay: number; rowBytesPerDay: number } {
  const c = churn.capacity;
  const doneKeys = eventsPerS * (c.doneKeysPerWebhook ?? 0) * (c.doneKeyTtlS ?? 0);
  const rowsPerDay = eventsPerS * (c.webhookEventRowsPerWebhook ?? 0) * SECONDS_PER_DAY;
  return {
    doneKeys: Math.round(doneKeys),
    doneBytes: Math.round(doneKeys * (c.doneKeyBytes ?? 0)),
    rowsPerDay: Math.round(rowsPerDay),
    rowBytesPerDay: Math.round(rowsPerDay * c.webhookEventAvgRowBytes),
  };
}

export function churnMarkdown(churn: ChurnResult): string[] {
  const { popular, misses, visibility: v, capacity: c } = churn;
  const at40 = capacityAt(churn, 40);
  const statuses = Object.entries(churn.webhooks.statuses)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  const ttl =
    c.doneKeyTtlS === null
      ? 'no TTL seen'
      : `TTL ${c.doneKeyTtlS.toLocaleString('en-US')} s left on one`;
  return [
    '### Churn',
    '',
    `${churn.durationS} s: ${churn.readRate} listing reads/s offered (${Math.round(churn.readRate * 0.9)}/s over the ${churn.popularPages} popular first pages, the rest misses), ` +
      `${churn.webhookRate} signed webhooks/s offered (${churn.webhooks.perS}/s sent; 80 % stock, 20 % price; one per second is a visibility probe).`,
    '',
    '| measure | value |',
    '|---|---|',
    `| popular pages: req/s, p50 / p99 ms | ${popular.rps}, ${popular.latencyMs.p50} / ${popular.latencyMs.p99} |`,
    `| popular pages: cache hit share (x-cache) | ${pct(popular.hitShare)} |`,
    `| misses: req/s, p50 / p99 ms | ${misses.rps}, ${misses.latencyMs.p50} / ${misses.latencyMs.p99} |`,
    `| every listing read: cache hit share (service counters) | ${pct(churn.overallHitShare)} |`,
    `| webhook answers | ${statuses} |`,
    `| write visible in its listing after the webhook's 200: p50 / max | ${v.p50Ms ?? '–'} / ${v.maxMs ?? '–'} ms (${v.samples} samples, ${v.notVisible} not visible within 5 s) |`,
    `| listing pages in Redis halfway: live / dead | ${churn.pages.mid ? `${group(churn.pages.mid.live)} / ${group(churn.pages.mid.dead)}` : '–'} |`,
    `| listing pages in Redis at the end: live / dead | ${group(churn.pages.end.live)} / ${group(churn.pages.end.dead)} |`,
    `| \`webhooks:done\` keys per settled webhook | ${c.doneKeysPerWebhook ?? '–'} × ${c.doneKeyBytes ?? '–'} bytes, ${ttl} |`,
    `| \`webhook_events\` rows per webhook; per minute in this run | ${c.webhookEventRowsPerWebhook ?? '–'}; ${c.webhookEventRowsPerMin.toLocaleString('en-US')} (≈ ${c.webhookEventAvgRowBytes} bytes each, InnoDB's average) |`,
    `| at 40 webhooks/s: \`webhooks:done\` keys held (steady state over their TTL) | ${at40.doneKeys.toLocaleString('en-US')} ≈ ${mib(at40.doneBytes)} |`,
    `| at 40 webhooks/s: \`webhook_events\` rows per day | ${at40.rowsPerDay.toLocaleString('en-US')} ≈ ${mib(at40.rowBytesPerDay)} |`,
  ];
}
