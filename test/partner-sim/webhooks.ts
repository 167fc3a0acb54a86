import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { SimCounters } from './counters';
import { pause } from './http-utils';
import { requireToken, type OAuthProvider } from './oauth';
import type { DeliveryResult, EmitOptions, Subscription } from './types';
import { generateWebhookSecret, webhookHeaders } from './webhook-signer';

export interface WebhookSettings {
  /** Delays between delivery attempts; its length is the number of retries. */
  retryDelaysMs: number[];
  /** Timeout of one delivery attempt. */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  retryDelaysMs: [200, 500, 1000],
  timeoutMs: 5000,
};

const WILDCARD = '*';
const MAX_EVENTS = 20;

interface Delivery {
  subscription: Subscription;
  copy: number;
  id: string;
  body: string;
  options: EmitOptions;
}

/** Webhook subscriptions and the delivery of signed events to them. */
export class WebhookHub {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly settings: WebhookSettings,
    private readonly counters: SimCounters,
    private readonly stopped: AbortSignal,
  ) {}

  subscribe(input: { url: string; events: string[]; secret?: string }): Subscription {
    const subscription: Subscription = {
      id: `ep_${randomBytes(12).toString('hex')}`,
      url: input.url,
      events: [...input.events],
      secret: input.secret ?? generateWebhookSecret(),
    };
    this.subscriptions.push(subscription);
    return { ...subscription, events: [...subscription.events] };
  }

  list(): Subscription[] {
    return this.subscriptions.map((s) => ({ ...s, events: [...s.events] }));
  }

  reset(): void {
    this.subscriptions = [];
  }

  /** Delivers the event to every matching subscriber; resolves once all deliveries settle. */
  async emit(options: EmitOptions): Promise<DeliveryResult[]> {
    if (this.stopped.aborted) {
      throw new Error('partner simulator is stopped');
    }
    const id = options.id ?? `msg_${randomBytes(16).toString('base64url')}`;
    const body = JSON.stringify({
      type: options.type,
      timestamp: new Date().toISOString(),
      data: options.data,
    });
    const copies = Math.max(1, options.copies ?? 1);
    const targets = this.subscriptions.filter(
      (s) =>
        options.allSubscribers === true ||
        s.events.includes(options.type) ||
        s.events.includes(WILDCARD),
    );
    const perTarget = targets.map(async (subscription) => {
      const deliveries = Array.from({ length: copies }, (_, copy) => ({
        subscription,
        copy,
        id,
        body,
        options,
      }));
      if (options.concurrent) {
        return Promise.all(deliveries.map((d) => this.deliver(d)));
      }
      const results: DeliveryResult[] = [];
      for (const delivery of deliveries) {
        results.push(await this.deliver(delivery));
      }
      return results;
    });
    return (await Promise.all(perTarget)).flat();
  }

  private async deliver(delivery: Delivery): Promise<DeliveryResult> {
    const { subscription, options } = delivery;
    const delays = options.retryDelaysMs ?? this.settings.retryDelaysMs;
    const result: DeliveryResult = {
      url: subscription.url,
      subscriptionId: subscription.id,
      copy: delivery.copy,
      status: 0,
      attempts: 0,
      statuses: [],
      body: '',
    };
    for (let attempt = 0; attempt <= delays.length; attempt += 1) {
      if (attempt > 0 && !(await pause(delays[attempt - 1], this.stopped))) {
        break;
      }
      await this.attempt(delivery, result);
      if (isSuccess(result.status) || result.status === 410 || this.stopped.aborted) {
        break;
      }
    }
    return result;
  }

  private async attempt(delivery: Delivery, result: DeliveryResult): Promise<void> {
    const { subscription, options, id, body } = delivery;
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    this.counters.recordDelivery();
    result.attempts += 1;
    try {
      const response = await fetch(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'farmlokal-partner-sim',
          ...webhookHeaders(options.secret ?? subscription.secret, id, timestamp, body),
        },
        body,
        signal: AbortSignal.any([this.stopped, AbortSignal.timeout(this.settings.timeoutMs)]),
      });
      result.status = response.status;
      result.body = await response.text();
      delete result.error;
    } catch (error) {
      result.status = 0;
      result.body = '';
      result.error = error instanceof Error ? error.message : String(error);
    }
    result.statuses.push(result.status);
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function parseSubscriptionBody(body: unknown): { url: string; events: string[] } | string {
  if (typeof body !== 'object' || body === null) {
    return 'body must be a JSON object';
  }
  const { url, events } = body as { url?: unknown; events?: unknown };
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) {
    return 'url must be an absolute http(s) URL';
  }
  if (
    !Array.isArray(events) ||
    events.length === 0 ||
    events.length > MAX_EVENTS ||
    !events.every((e) => typeof e === 'string' && e.length > 0 && e.length <= 100)
  ) {
    return `events must be a non-empty array of at most ${MAX_EVENTS} event names`;
  }
  return { url, events: [...new Set(events as string[])] };
}

export function registerWebhookRoutes(
  app: FastifyInstance,
  hub: WebhookHub,
  oauth: OAuthProvider,
): void {
  app.post('/v1/webhooks', async (request, reply) => {
    if (!requireToken(oauth, request, reply)) {
      return reply;
    }
    const parsed = parseSubscriptionBody(request.body);
    if (typeof parsed === 'string') {
      return reply.code(400).send({ error: 'invalid_request', message: parsed });
    }
    return reply.code(201).send(hub.subscribe(parsed));
  });
  app.get('/v1/webhooks', async (request, reply) => {
    if (!requireToken(oauth, request, reply)) {
      return reply;
    }
    return reply.send({ data: hub.list() });
  });
}
