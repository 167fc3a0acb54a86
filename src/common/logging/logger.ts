import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoLogger } from 'pino';
import { redactLogObject, serializeError } from './log-redaction';

/** Paths that never reach a log line: credentials, tokens, secrets. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'req.headers["webhook-signature"]',
  'req.headers["svix-signature"]',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.authorization',
  '*.access_token',
  '*.accessToken',
  '*.client_secret',
  '*.clientSecret',
  '*.secret',
  '*.password',
  '*.token',
  'access_token',
  'client_secret',
  'secret',
  'password',
  'token',
];

/**
 * The process-wide pino logger: JSON lines on stdout (or `destination`), secrets redacted
 * by path and, at any depth, by `redactDeep` (log-redaction.ts).
 */
export function createPinoLogger(level: string, destination?: pino.DestinationStream): PinoLogger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'farmlokal-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      level: (label) => ({ level: label }),
      // Arrays and nested errors too, which path-based redaction cannot reach.
      log: redactLogObject,
    },
    serializers: { err: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Nest contexts whose `log` lines are start-up detail, one per module, controller or route
 * ("Mapped {/products, GET} route"): written at debug, so an info-level start-up reads as
 * a few lines.
 */
const BOOTSTRAP_DETAIL_CONTEXTS: ReadonlySet<string> = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
]);

/** Routes Nest's Logger calls into pino, keeping the Nest context as a field. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: PinoLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    const detail = typeof context === 'string' && BOOTSTRAP_DETAIL_CONTEXTS.has(context);
    this.write(detail ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) {
      return;
    }
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const extra = params.slice(0, -1);
    const fields: Record<string, unknown> = typeof context === 'string' ? { context } : {};
    const stack = extra.find((p): p is string => typeof p === 'string' && p.includes('\n    at '));
    if (stack) {
      fields.stack = stack;
    }
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      const { msg, ...rest } = message as Record<string, unknown>;
      this.pino[level]({ ...fields, ...rest }, typeof msg === 'string' ? msg : undefined);
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
