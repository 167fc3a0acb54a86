/**
 * The bench's shoppers: requests carry `X-Forwarded-For` with one of `count` client
 * addresses in turn (the service trusts 127.0.0.1 as its proxy, as behind a load
 * balancer), so the rate limiter counts each address against the production budget
 * instead of refusing one address that sends everything.
 */
export class ClientAddresses {
  private n = 0;

  constructor(private readonly count: number) {}

  next(): string {
    const i = (this.n = (this.n + 1) % this.count);
    return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  }

  /** `fetch` as one of the clients. */
  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', this.next());
    return fetch(url, { ...init, headers });
  }
}
