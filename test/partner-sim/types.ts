export type FaultMode =
  'latency' | 'hang' | 'error_rate' | 'fail_next' | 'rate_limit' | 'not_found';

interface FaultTarget {
  /** Item the fault applies to; omitted = every item. */
  readonly itemId?: string;
}

export type FaultSpec = FaultTarget &
  (
    | { readonly mode: 'latency'; readonly latencyMs: number }
    | { readonly mode: 'hang' }
    | { readonly mode: 'error_rate'; readonly rate: number; readonly status?: number }
    | {
        readonly mode: 'fail_next';
        readonly count: number;
        readonly status: number;
        readonly retryAfterS?: number;
      }
    | { readonly mode: 'rate_limit'; readonly count: number; readonly retryAfterS: number }
    | { readonly mode: 'not_found' }
  );

export interface OAuthSettings {
  /** `expires_in` of issued tokens, and their real lifetime. */
  expiresInS: number;
  /** Delay before the token endpoint answers. */
  latencyMs: number;
  /** Token endpoint answers 503. */
  down: boolean;
  /** Token endpoint never answers. */
  hang: boolean;
}

export interface PartnerItem {
  id: string;
  name: string;
  price: string;
  available_qty: number;
  updated_at: string;
}

export interface Subscription {
  id: string;
  url: string;
  events: string[];
  secret: string;
}

export type JwtAlg = 'RS256' | 'ES256';

export interface IssueJwtOptions {
  /** Space-separated scopes, the `scope` claim. */
  scope?: string;
  sub?: string;
  /** Lifetime from now; negative gives an already expired token. Default 300. */
  expiresInS?: number;
  /** `nbf` as seconds from now (positive = not yet valid). */
  notBeforeS?: number;
  audience?: string;
  issuer?: string;
  alg?: JwtAlg;
  /** Signed by a key that is not in the JWKS, under a published `kid`: a bad signature. */
  unknownKey?: boolean;
  /** Overrides the `kid` header. */
  kid?: string;
  /** Extra claims merged into the payload. */
  claims?: Record<string, unknown>;
}

export interface EmitOptions {
  type: string;
  data: Record<string, unknown>;
  /** `webhook-id`; generated (`msg_…`) when omitted. Stable across copies and retries. */
  id?: string;
  /** Deliveries of the same event to each subscriber. Default 1. */
  copies?: number;
  /** Send the copies at the same time instead of one after the other. */
  concurrent?: boolean;
  /** Overrides `webhook-timestamp` (unix seconds); default is the time of each attempt. */
  timestamp?: number;
  /** Deliver to every subscriber whatever events it registered for. */
  allSubscribers?: boolean;
  /** Sign with this secret instead of each subscriber's own. */
  secret?: string;
  /** Delays between attempts; its length is the number of retries. */
  retryDelaysMs?: number[];
}

export interface DeliveryResult {
  url: string;
  subscriptionId: string;
  /** 0-based index of the copy. */
  copy: number;
  /** Status of the last attempt; 0 when it got no HTTP answer. */
  status: number;
  attempts: number;
  /** Status of every attempt, in order. */
  statuses: number[];
  /** Body of the last answer. */
  body: string;
  /** Set when the last attempt got no HTTP answer. */
  error?: string;
}

export interface TokenRequestRecord {
  at: number;
  authMethod: 'basic' | 'form' | 'none';
  clientId: string | null;
  grantType: string | null;
  audience: string | null;
  /** RFC 8707 `resource` indicator, when sent. */
  resource: string | null;
  scope: string | null;
  status: number;
}
