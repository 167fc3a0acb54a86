import { once } from 'node:events';
import { createConnection, createServer, Server, Socket } from 'node:net';

/** Something a client sent through the proxy, parsed, with when it was seen. */
export interface Recorded<T> {
  readonly atMs: number;
  readonly connection: number;
  readonly item: T;
}

/**
 * A TCP proxy on a free local port that forwards every byte both ways and feeds what
 * clients send through a parser per connection (one per MySQL or Redis connection of the
 * service), recording the parsed commands in order.
 */
export class RecordingProxy<T> {
  readonly records: Recorded<T>[] = [];
  private readonly sockets = new Set<Socket>();
  private connections = 0;

  private constructor(private readonly server: Server) {}

  static async start<T>(
    upstream: { host: string; port: number },
    newParser: () => { push(chunk: Buffer): T[] },
  ): Promise<RecordingProxy<T>> {
    const server = createServer();
    const proxy = new RecordingProxy<T>(server);
    server.on('connection', (client) => {
      const id = (proxy.connections += 1);
      const parser = newParser();
      const backend = createConnection(upstream);
      proxy.sockets.add(client).add(backend);
      client.on('data', (chunk: Buffer) => {
        const atMs = performance.now();
        for (const item of parser.push(chunk)) {
          proxy.records.push({ atMs, connection: id, item });
        }
        backend.write(chunk);
      });
      backend.on('data', (chunk: Buffer) => client.write(chunk));
      const close = (): void => {
        client.destroy();
        backend.destroy();
        proxy.sockets.delete(client);
        proxy.sockets.delete(backend);
      };
      client.on('close', close).on('error', close);
      backend.on('close', close).on('error', close);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') {
      throw new Error('proxy not listening');
    }
    return address.port;
  }

  /** Records seen between two instants of `performance.now()`. */
  between(fromMs: number, toMs: number): T[] {
    return this.records.filter((r) => r.atMs >= fromMs && r.atMs <= toMs).map((r) => r.item);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
