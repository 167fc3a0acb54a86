/**
 * How the service's database leases (webhook processing, Idempotency-Key claims) are
 * sized. A lease is what keeps a second delivery or retry away while the holder works,
 * and the longest a crashed holder (kill -9, lost node) blocks its retry. It is renewed
 * every LEASE_RENEW_MS while the holder works, so it only has to outlast one renewal
 * interval plus one renewal's worst latency (a pool wait and a query, each bounded at
 * 1 s by default): 1 + 2 s, with margin → 5 s. Correctness never rests on it: effects
 * commit fenced by the owner token, so a holder that lost its lease cannot commit.
 */
export const LEASE_S = 5;
export const LEASE_RENEW_MS = 1_000;

/**
 * Calls `renew` every `everyMs` (never two at once) until the returned function is
 * called. Renewal failures are ignored: the lease then runs out, which only lets a retry
 * take over sooner. The timer never keeps the process alive.
 */
export function keepLeaseAlive(
  renew: () => Promise<unknown>,
  everyMs: number = LEASE_RENEW_MS,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const schedule = (): void => {
    timer = setTimeout(() => {
      renew()
        .catch(() => undefined)
        .finally(() => {
          if (!stopped) {
            schedule();
          }
        });
    }, everyMs);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    if (timer !== null) {
      clearTimeout(timer);
    }
  };
}
