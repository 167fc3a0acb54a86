import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEMS, ProblemCode, problemTypeUri } from '../errors/error-catalogue';
import { REQUEST_ID_HEADER } from './request-id';

/** The HTTP server's bounds on clients (HTTP_* variables). */
export interface HttpLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** 0 = derived from the open-files limit (`effectiveMaxConnections`). */
  readonly maxConnections: number;
}

/**
 * Node checks the header and request deadlines of every connection on this period, so a
 * slow client is cut at most this long after its deadline (Node's default is 30 s).
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Connection cap when HTTP_MAX_CONNECTIONS is 0, if the open-files limit allows it. */
export const DEFAULT_MAX_CONNECTIONS = 1_024;
/** Descriptors kept free for the pools, Redis, outbound partner calls, logs and the runtime. */
export const RESERVED_DESCRIPTORS = 256;
const MIN_CONNECTIONS = 64;
const DROP_WARNING_INTERVAL_MS = 60_000;

const CLIENT_ERRORS: Record<string, ProblemCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'HEADER_FIELDS_TOO_LARGE',
};
const CLIENT_ERROR_DETAILS: Partial<Record<ProblemCode, string>> = {
  REQUEST_TIMEOUT: 'The request was not received in time; the connection is closed',
  HEADER_FIELDS_TOO_LARGE: 'The request headers are larger than the server accepts',
  MALFORMED_REQUEST: 'The request could not be parsed as HTTP/1.1',
};
const REQUEST_TARGET = /^[A-Z]+ (\/[\x21-\x7e]{0,2047}) HTTP\/1\.[01]\r?\n/;

/** Server options for the Fastify adapter: every client bound of `limits`. */
export function serverOptions(limits: HttpLimits) {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // No idle-socket timeout: it would also cut a slow handler (a partner call within its
    // deadline); receiving is bounded by the two deadlines above, idling by keep-alive.
    connectionTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    clientErrorHandler: answerClientError,
  };
}

/**
 * The connection cap: HTTP_MAX_CONNECTIONS when set, else DEFAULT_MAX_CONNECTIONS lowered
 * so that RESERVED_DESCRIPTORS stay free under the process's open-files limit (a cap above
 * that limit lets a flood of connections exhaust the descriptors the pools need).
 */
export function effectiveMaxConnections(configured: number, limitsFile = '/proc/self/limits') {
  if (configured > 0) {
    return configured;
  }
  const soft = openFilesSoftLimit(limitsFile);
  if (soft === null) {
    return DEFAULT_MAX_CONNECTIONS;
  }
  return Math.max(MIN_CONNECTIONS, Math.min(DEFAULT_MAX_CONNECTIONS, soft - RESERVED_DESCRIPTORS));
}

function openFilesSoftLimit(limitsFile: string): number | null {
  try {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

/**
 * Caps open connections (Node drops new ones at the cap) and closes the connection after
 * any answer sent before the request body was fully received (a 401, 413 or 429 decided
 * from the headers): otherwise Node keeps reading and discarding the rest of the body to
 * reuse the connection, and a client that never sends it holds the socket.
 */
export function applyConnectionLimits(
  fastify: FastifyInstance,
  limits: HttpLimits,
  log: FastifyBaseLogger,
): number {
  const maxConnections = effectiveMaxConnections(limits.maxConnections);
  fastify.server.maxConnections = maxConnections;
  let lastWarning = 0;
  fastify.server.on('drop', () => {
    const now = Date.now();
    if (now - lastWarning >= DROP_WARNING_INTERVAL_MS) {
      lastWarning = now;
      log.warn({ max_connections: maxConnections }, 'Connection limit reached; dropping new ones');
    }
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (request.raw.complete === false) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
  return maxConnections;
}

/**
 * Errors Node's HTTP parser raises on a connection (a request line it cannot parse, headers
 * over the size limit, a header or request deadline missed): answered as problem+json with
 * an `x-request-id`, then the connection is closed, as Node itself would.
 */
function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const code = CLIENT_ERRORS[error.code ?? ''] ?? 'MALFORMED_REQUEST';
  const requestId = randomUUID();
  this.log.debug({ request_id: requestId, code: error.code }, 'client error');
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const { status, title } = PROBLEMS[code];
    const body = JSON.stringify({
      type: problemTypeUri(code),
      title,
      status,
      detail: CLIENT_ERROR_DETAILS[code],
      instance: requestTarget(error.rawPacket),
      request_id: requestId,
    });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/problem+json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

/** The path of the request line when it is plain ASCII, else "/". */
function requestTarget(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) {
    return '/';
  }
  const match = REQUEST_TARGET.exec(rawPacket.subarray(0, 2100).toString('latin1'));
  return match ? match[1].split('?')[0] : '/';
}
