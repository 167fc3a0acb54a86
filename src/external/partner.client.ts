import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { AxiosError, AxiosResponse, Method } from 'axios';
import { lastValueFrom } from 'rxjs';
import { TokenService } from './partner-token/token.service';
import { externalConfig, ExternalConfig } from '../config/configuration';
import {
  PARTNER_ITEMS_PATH,
  PARTNER_MAX_BODY_BYTES,
  PARTNER_WEBHOOKS_PATH,
} from './external.constants';
import { PartnerBadResponseError, PartnerItemNotFoundError } from './external.errors';
import {
  hasSecret,
  KeyedWebhook,
  parseJson,
  PartnerItem,
  PartnerWebhook,
  toPartnerItem,
  toPartnerWebhook,
  toPartnerWebhookList,
} from './partner-data';
import { RawResponse, ResiliencePolicy, TransportError } from './resilience/resilience-policy';
import { PARTNER_POLICY } from './resilience/partner-policy.provider';

interface PartnerRequest {
  readonly method: Extract<Method, 'GET' | 'POST'>;
  readonly path: string;
  readonly body?: unknown;
  /** Sent as `Idempotency-Key`; makes a POST safe to retry. */
  readonly idempotencyKey?: string;
}

/**
 * The partner API, every call with the OAuth bearer token and through the partner's
 * ResiliencePolicy (deadline, retries, circuit breaker, attempt timeout). Partner data is
 * validated before it leaves this class; redirects are never followed and bodies are capped.
 */
@Injectable()
export class PartnerClient {
  constructor(
    private readonly http: HttpService,
    private readonly tokens: TokenService,
    @Inject(PARTNER_POLICY) private readonly policy: ResiliencePolicy,
    @Inject(externalConfig.KEY) private readonly config: ExternalConfig,
  ) {}

  async getItem(id: string): Promise<PartnerItem> {
    const response = await this.request({
      method: 'GET',
      path: `${PARTNER_ITEMS_PATH}/${encodeURIComponent(id)}`,
    });
    if (response.status === 404) {
      throw new PartnerItemNotFoundError(id);
    }
    return toPartnerItem(this.expectOk(response, 200), id);
  }

  async listWebhooks(): Promise<PartnerWebhook[]> {
    const response = await this.request({ method: 'GET', path: PARTNER_WEBHOOKS_PATH });
    return toPartnerWebhookList(this.expectOk(response, 200));
  }

  /** Not retried: without an idempotency key the partner could create it twice. */
  async createWebhook(url: string, events: readonly string[]): Promise<KeyedWebhook> {
    const response = await this.request({
      method: 'POST',
      path: PARTNER_WEBHOOKS_PATH,
      body: { url, events },
    });
    const created = toPartnerWebhook(this.expectOk(response, 200, 201));
    if (!hasSecret(created)) {
      throw new PartnerBadResponseError('The partner returned a subscription without a secret');
    }
    return created;
  }

  private expectOk(response: RawResponse, ...statuses: number[]): unknown {
    if (!statuses.includes(response.status)) {
      throw new PartnerBadResponseError(
        `The partner answered with status ${response.status}`,
        response.status,
      );
    }
    return parseJson(response.body);
  }

  private request(request: PartnerRequest): Promise<RawResponse> {
    return this.policy.execute<string>({
      idempotent: request.method === 'GET' || request.idempotencyKey !== undefined,
      prepare: () => this.tokens.getToken(),
      onUnauthorized: (token) => this.tokens.invalidate(token),
      send: (token, signal) => this.send(request, token, signal),
    });
  }

  private async send(
    request: PartnerRequest,
    token: string,
    signal: AbortSignal,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
    };
    if (request.idempotencyKey) {
      headers['Idempotency-Key'] = request.idempotencyKey;
    }
    let response: AxiosResponse<string>;
    try {
      response = await lastValueFrom(
        this.http.request<string>({
          method: request.method,
          baseURL: this.config.partnerApiUrl,
          url: request.path,
          data: request.body,
          headers,
          signal,
          maxRedirects: 0,
          maxContentLength: PARTNER_MAX_BODY_BYTES,
          maxBodyLength: PARTNER_MAX_BODY_BYTES,
          responseType: 'text',
          transformResponse: (data: string) => data,
          validateStatus: () => true,
          proxy: false,
        }),
      );
    } catch (error) {
      throw toSendError(error);
    }
    return {
      status: response.status,
      headers: flattenHeaders(response.headers),
      body: typeof response.data === 'string' ? response.data : '',
    };
  }
}

function toSendError(error: unknown): Error {
  if (error instanceof AxiosError && error.code === AxiosError.ERR_BAD_RESPONSE) {
    return new PartnerBadResponseError('The partner response was too large or malformed');
  }
  // No HTTP answer at all: refused, reset, DNS, aborted by the attempt timeout.
  return new TransportError(error instanceof Error ? error.message : 'transport error', {
    cause: error,
  });
}

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') {
      flat[name.toLowerCase()] = value;
    } else if (Array.isArray(value)) {
      flat[name.toLowerCase()] = value.map(String).join(', ');
    } else if (typeof value === 'number') {
      flat[name.toLowerCase()] = String(value);
    }
  }
  return flat;
}
