import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { registerControlRoutes } from './control';
import { SimCounters } from './counters';
import { FaultBook } from './faults';
import { registerItemRoutes } from './items';
import { DEV_KEYS_FILE, JwtIssuer, loadKeyFile, type StoredKey } from './jwt-issuer';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET, OAuthProvider, registerOAuthRoutes } from './oauth';
import type {
  DeliveryResult,
  EmitOptions,
  FaultSpec,
  IssueJwtOptions,
  JwtAlg,
  OAuthSettings,
  PartnerItem,
  Subscription,
} from './types';
import {
  DEFAULT_WEBHOOK_SETTINGS,
  registerWebhookRoutes,
  WebhookHub,
  type WebhookSettings,
} from './webhooks';

export interface PartnerSimOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** `iss` of issued JWTs; default the simulator's own URL. */
  issuer?: string;
  /** `aud` of issued JWTs; default `farmlokal-api`. */
  audience?: string;
  /** `fresh` (default): new keys per instance; `dev`: the committed development keys. */
  signingKeys?: 'fresh' | 'dev' | readonly StoredKey[];
  /** OAuth clients, id → secret; default `farmlokal-dev` / `farmlokal-dev-secret`. */
  clients?: Record<string, string>;
  /** Token endpoint settings at start and after `reset()`. */
  oauth?: Partial<OAuthSettings>;
  /** Faults active at start and after `reset()`. */
  faults?: readonly FaultSpec[];
  webhooks?: Partial<WebhookSettings>;
  /** Source of randomness for `error_rate`; default Math.random. */
  random?: () => number;
  /** Called with one line per answered request. */
  log?: (line: string) => void;
}

/** A running partner simulator. Create with `startPartnerSim`. */
export class PartnerSim {
  readonly counters = new SimCounters();
  private readonly lifetime = new AbortController();
  private readonly oauth: OAuthProvider;
  private readonly faults: FaultBook;
  private readonly hub: WebhookHub;
  private readonly jwt: JwtIssuer;
  private readonly items = new Map<string, Partial<PartnerItem>>();
  private readonly app: FastifyInstance;
  private readonly jwtDefaults: { issuer: string; audience: string };
  private address = '';
  private stopping?: Promise<void>;

  constructor(private readonly options: PartnerSimOptions = {}) {
    const clients = options.clients ?? { [DEV_CLIENT_ID]: DEV_CLIENT_SECRET };
    this.oauth = new OAuthProvider(new Map(Object.entries(clients)));
    this.faults = new FaultBook(options.random);
    this.hub = new WebhookHub(
      { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks },
      this.counters,
      this.lifetime.signal,
    );
    this.jwtDefaults = {
      issuer: options.issuer ?? '',
      audience: options.audience ?? 'farmlokal-api',
    };
    const keys = options.signingKeys ?? 'fresh';
    this.jwt = new JwtIssuer(
      this.jwtDefaults,
      keys === 'fresh' ? undefined : keys === 'dev' ? loadKeyFile(DEV_KEYS_FILE) : keys,
    );
    this.app = this.buildApp();
    this.applyStartState();
  }

  /** `http://host:port`, once started. */
  get url(): string {
    return this.address;
  }

  get port(): number {
    return Number(new URL(this.address).port);
  }

  /** Environment that points the service at this simulator. */
  serviceEnv(): Record<string, string> {
    return {
      OAUTH_TOKEN_URL: `${this.url}/oauth/token`,
      PARTNER_API_URL: this.url,
      AUTH_JWKS_URL: `${this.url}/.well-known/jwks.json`,
      AUTH_ISSUER: this.jwtDefaults.issuer,
      AUTH_AUDIENCE: this.jwtDefaults.audience,
    };
  }

  async start(): Promise<this> {
    await this.app.listen({ port: this.options.port ?? 0, host: this.options.host ?? '127.0.0.1' });
    const { port } = this.app.server.address() as AddressInfo;
    const host =
      this.options.host && this.options.host !== '0.0.0.0' ? this.options.host : '127.0.0.1';
    this.address = `http://${host}:${port}`;
    this.jwtDefaults.issuer ||= this.address;
    return this;
  }

  /** Closes every connection (hanging ones included) and aborts deliveries in flight. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.lifetime.abort();
      await this.app.close();
    })();
    return this.stopping;
  }

  /** Back to the start state: faults, counters, revocations, subscriptions, OAuth settings, items. */
  reset(): void {
    this.counters.reset();
    this.oauth.reset();
    this.faults.clear();
    this.hub.reset();
    this.items.clear();
    this.applyStartState();
  }

  resetCounters(): void {
    this.counters.reset();
  }

  configureOAuth(settings: Partial<OAuthSettings>): void {
    this.oauth.configure(settings);
  }

  get oauthSettings(): Readonly<OAuthSettings> {
    return this.oauth.current;
  }

  setFault(fault: FaultSpec): void {
    this.faults.set(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every access token issued so far is rejected with 401 from now on. */
  revokeTokens(): void {
    this.oauth.revokeAll();
  }

  /** Overrides fields of one item's data (e.g. to change its price). */
  setItem(id: string, fields: Partial<Omit<PartnerItem, 'id'>>): void {
    this.items.set(id, { ...this.items.get(id), ...fields });
  }

  issueJwt(options: IssueJwtOptions = {}): Promise<string> {
    return this.jwt.issue(options);
  }

  /** Publishes new keys and signs with them from now on; returns the new kids. */
  rotateSigningKeys(options: { retirePrevious?: boolean } = {}): Record<JwtAlg, string> {
    return this.jwt.rotate(options);
  }

  jwks(): ReturnType<JwtIssuer['jwks']> {
    return this.jwt.jwks();
  }

  subscriptions(): Subscription[] {
    return this.hub.list();
  }

  /** Registers a subscription directly, as POST /v1/webhooks would. */
  subscribe(input: { url: string; events: string[]; secret?: string }): Subscription {
    return this.hub.subscribe(input);
  }

  emit(options: EmitOptions): Promise<DeliveryResult[]> {
    return this.hub.emit(options);
  }

  private applyStartState(): void {
    this.oauth.configure(this.options.oauth ?? {});
    for (const fault of this.options.faults ?? []) {
      this.faults.set(fault);
    }
  }

  private buildApp(): FastifyInstance {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = (body as string).trim();
      try {
        done(null, text === '' ? {} : JSON.parse(text));
      } catch {
        done(Object.assign(new Error('malformed JSON body'), { statusCode: 400 }), undefined);
      }
    });
    const log = this.options.log;
    if (log) {
      app.addHook('onResponse', async (request, reply) => {
        const ms = reply.elapsedTime.toFixed(0);
        log(`${request.method} ${request.url} ${reply.statusCode} ${ms}ms`);
      });
    }
    const stopped = this.lifetime.signal;
    app.get('/.well-known/jwks.json', (_request, reply) => reply.send(this.jwt.jwks()));
    registerOAuthRoutes(app, this.oauth, this.counters, stopped);
    registerItemRoutes(app, {
      oauth: this.oauth,
      faults: this.faults,
      counters: this.counters,
      overrides: this.items,
      stopped,
    });
    registerWebhookRoutes(app, this.hub, this.oauth);
    registerControlRoutes(app, this);
    return app;
  }
}

/** Starts a simulator; `port: 0` (the default) picks a free port. */
export async function startPartnerSim(options: PartnerSimOptions = {}): Promise<PartnerSim> {
  return new PartnerSim(options).start();
}
