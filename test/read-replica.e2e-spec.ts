import { once } from 'node:events';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;
const MYSQL_HOST = process.env.TEST_DB_HOST ?? '127.0.0.1';
const MYSQL_PORT = Number(process.env.TEST_DB_PORT ?? 3306);

/**
 * A TCP pass-through to the real MySQL/MariaDB server that records the SQL of every
 * command its clients send. Two of them give the app two database "hosts" on one server,
 * so a test can see which one served a statement.
 */
class MySqlTap {
  readonly statements: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
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

  clear(): void {
    this.statements.length = 0;
  }

  touching(table: string): string[] {
    const pattern = new RegExp(`\\b${table}\\b`, 'i');
    return this.statements.filter((sql) => pattern.test(sql));
  }

  private relay(client: Socket): void {
    const upstream = connect(MYSQL_PORT, MYSQL_HOST);
    this.sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const length = pending.readUIntLE(0, 3);
        if (pending.length < 4 + length) {
          break;
        }
        const sequence = pending[3];
        const payload = pending.subarray(4, 4 + length);
        // A command opens a new sequence (0); the handshake reply is sequence 1.
        if (sequence === 0 && (payload[0] === COM_QUERY || payload[0] === COM_STMT_PREPARE)) {
          this.statements.push(payload.subarray(1).toString('utf8'));
        }
        pending = pending.subarray(4 + length);
      }
    });
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

const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
const SELECT = /^\s*SELECT\b/i;

describe('Read replicas (DB_READ_HOSTS)', () => {
  let env: TestEnv;
  let sim: PartnerSim;
  let primary: MySqlTap;
  let replica: MySqlTap;
  let test: TestApp;
  let token: string;

  beforeAll(async () => {
    sim = await startPartnerSim();
    primary = new MySqlTap();
    replica = new MySqlTap();
    const [primaryPort, replicaPort] = [await primary.start(), await replica.start()];
    env = createTestEnv({
      ...sim.serviceEnv(),
      DB_HOST: '127.0.0.1',
      DB_PORT: String(primaryPort),
      DB_READ_HOSTS: `127.0.0.1:${replicaPort}`,
    });
    test = await createTestApp();
    token = await sim.issueJwt({ sub: 'replica-test', scope: 'products:write' });
  });

  afterAll(async () => {
    await test?.close();
    await primary?.stop();
    await replica?.stop();
    await sim?.stop();
    await env?.cleanup();
  });

  it('writes a product through the primary only', async () => {
    primary.clear();
    replica.clear();
    const res = await test.app.inject({
      method: 'POST',
      url: '/products',
      headers: { authorization: `Bearer ${token}` },
      payload: {
        sku: 'REPL-0001',
        name: 'Replica Radish',
        category: 'vegetables',
        price: '12.50',
        stock: 4,
      },
    });
    expect(res.statusCode).toBe(201);
    expect(primary.touching('products').filter((sql) => WRITE.test(sql))).toHaveLength(1);
    expect(replica.statements.filter((sql) => WRITE.test(sql))).toEqual([]);
  });

  it('reads listings from the replica and not from the primary', async () => {
    primary.clear();
    replica.clear();
    const first = await test.app.inject({ method: 'GET', url: '/products?limit=5' });
    expect(first.statusCode).toBe(200);
    expect(first.json<{ data: { sku: string }[] }>().data.map((p) => p.sku)).toContain('REPL-0001');
    const filtered = await test.app.inject({
      method: 'GET',
      url: '/products?limit=5&category=vegetables&sort=price&order=asc',
    });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json<{ data: { sku: string }[] }>().data.map((p) => p.sku)).toEqual([
      'REPL-0001',
    ]);

    const replicaReads = replica.touching('products').filter((sql) => SELECT.test(sql));
    expect(replicaReads.length).toBeGreaterThanOrEqual(2);
    expect(primary.touching('products')).toEqual([]);
  });
});
