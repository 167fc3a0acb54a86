import { once } from 'node:events';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP pass-through to a real server that keeps every byte its clients send, so a test
 * can count the commands one service sent, whatever else uses the same server.
 */
export class TcpTap {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private sent: Buffer[] = [];

  constructor(
    private readonly upstreamPort: number,
    private readonly upstreamHost = '127.0.0.1',
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  async start(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.server.close();
    await once(this.server, 'close');
  }

  /** Forgets what was sent so far. */
  clear(): void {
    this.sent = [];
  }

  /** How often `bytes` occurs in what the clients sent since the last `clear()`. */
  count(bytes: Buffer | string): number {
    const haystack = Buffer.concat(this.sent);
    const needle = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    let found = 0;
    for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
      found += 1;
    }
    return found;
  }

  private relay(client: Socket): void {
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    this.sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => this.sent.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}

/** A MySQL COM_QUERY packet of `sql` (sequence 0), as a client sends it. */
export function mysqlQueryPacket(sql: string): Buffer {
  const payload = Buffer.concat([Buffer.from([0x03]), Buffer.from(sql, 'utf8')]);
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([header, payload]);
}

/** A Redis command without arguments in RESP, as ioredis sends it. */
export function redisCommand(name: string): string {
  return `*1\r\n$${name.length}\r\n${name}\r\n`;
}
