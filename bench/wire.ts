/**
 * Stream parsers for what a client sends to MySQL and to Redis, used by the capture proxy
 * to see exactly which statements and commands each request of the service issues.
 */

/** One client command of the MySQL protocol. */
export interface SqlCommand {
  /** `query`, `prepare`, `execute`, `close`, `ping`, … or `0x..` for others. */
  readonly kind: string;
  /** Statement text for `query` and `prepare`; the statement id for `execute`/`close`. */
  readonly text: string;
}

const MYSQL_COMMANDS: Record<number, string> = {
  0x01: 'quit',
  0x02: 'init_db',
  0x03: 'query',
  0x0e: 'ping',
  0x11: 'change_user',
  0x16: 'prepare',
  0x17: 'execute',
  0x19: 'close',
  0x1a: 'reset',
  0x1f: 'reset_connection',
};

/**
 * Splits the client → server byte stream of one MySQL connection into packets and
 * returns the commands (packets with sequence id 0; the handshake response is 1).
 */
export class MysqlClientParser {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SqlCommand[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: SqlCommand[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntLE(0, 3);
      if (this.buffer.length < 4 + length) {
        break;
      }
      const sequence = this.buffer[3];
      const payload = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      if (sequence !== 0 || payload.length === 0) {
        continue;
      }
      const code = payload[0];
      const kind = MYSQL_COMMANDS[code] ?? `0x${code.toString(16).padStart(2, '0')}`;
      const text =
        kind === 'query' || kind === 'prepare'
          ? payload.subarray(1).toString('utf8')
          : kind === 'execute' || kind === 'close'
            ? String(payload.length >= 5 ? payload.readUInt32LE(1) : '')
            : '';
      commands.push({ kind, text });
    }
    return commands;
  }
}

/**
 * Splits the client → server byte stream of one Redis connection (RESP arrays of bulk
 * strings, or inline commands) into commands, each an array of its arguments.
 */
export class RespClientParser {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[][] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: string[][] = [];
    for (;;) {
      const parsed = parseOne(this.buffer);
      if (parsed === null) {
        break;
      }
      this.buffer = this.buffer.subarray(parsed.end);
      if (parsed.args.length > 0) {
        commands.push(parsed.args);
      }
    }
    return commands;
  }
}

function lineEnd(buffer: Buffer, from: number): number {
  const at = buffer.indexOf('\r\n', from);
  return at;
}

function parseOne(buffer: Buffer): { args: string[]; end: number } | null {
  if (buffer.length === 0) {
    return null;
  }
  const eol = lineEnd(buffer, 0);
  if (eol < 0) {
    return null;
  }
  if (buffer[0] !== 0x2a /* '*' */) {
    const inline = buffer.subarray(0, eol).toString('utf8').trim();
    return { args: inline.length > 0 ? inline.split(/\s+/) : [], end: eol + 2 };
  }
  const count = Number(buffer.subarray(1, eol).toString('latin1'));
  const args: string[] = [];
  let at = eol + 2;
  for (let i = 0; i < count; i += 1) {
    const headerEnd = lineEnd(buffer, at);
    if (headerEnd < 0 || buffer[at] !== 0x24 /* '$' */) {
      return null;
    }
    const length = Number(buffer.subarray(at + 1, headerEnd).toString('latin1'));
    const start = headerEnd + 2;
    if (buffer.length < start + length + 2) {
      return null;
    }
    args.push(buffer.subarray(start, start + length).toString('utf8'));
    at = start + length + 2;
  }
  return { args, end: at };
}

/**
 * A captured statement with one literal turned back into a `?` placeholder, so a floor can
 * run the same text with its own value through mysql2's formatting (which quotes strings
 * and leaves numbers bare, as it did for the service). The literal must occur exactly once
 * as a whole token.
 */
export function sqlTemplate(sql: string, literal: string | number): string {
  const token = typeof literal === 'number' ? String(literal) : `'${literal}'`;
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern =
    typeof literal === 'number'
      ? new RegExp(`(?<![\\w.'])${escaped}(?![\\w.'])`, 'g')
      : new RegExp(escaped, 'g');
  const found = sql.match(pattern)?.length ?? 0;
  if (found !== 1) {
    throw new Error(`expected ${token} once in the captured SQL, found it ${found} times: ${sql}`);
  }
  return sql.replace(pattern, '?');
}
