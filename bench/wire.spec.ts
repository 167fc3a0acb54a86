import { MysqlClientParser, RespClientParser, sqlTemplate } from './wire';

function mysqlPacket(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence;
  return Buffer.concat([header, payload]);
}

describe('MysqlClientParser', () => {
  it('returns commands (sequence 0) across chunk boundaries and skips the handshake', () => {
    const query = mysqlPacket(0, Buffer.concat([Buffer.from([0x03]), Buffer.from('SELECT 1')]));
    const execute = Buffer.alloc(10);
    execute[0] = 0x17;
    execute.writeUInt32LE(42, 1);
    const stream = Buffer.concat([
      mysqlPacket(1, Buffer.from('handshake response')),
      query,
      mysqlPacket(0, execute),
    ]);
    const parser = new MysqlClientParser();
    const first = parser.push(stream.subarray(0, 30));
    const rest = parser.push(stream.subarray(30));
    expect([...first, ...rest]).toEqual([
      { kind: 'query', text: 'SELECT 1' },
      { kind: 'execute', text: '42' },
    ]);
  });
});

describe('RespClientParser', () => {
  it('splits pipelined RESP arrays, binary-safe, waiting for incomplete ones', () => {
    const parser = new RespClientParser();
    const stream = Buffer.from(
      '*2\r\n$3\r\nGET\r\n$5\r\nk\r\ney\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n',
    );
    expect(parser.push(stream.subarray(0, 26))).toEqual([['GET', 'k\r\ney']]);
    expect(parser.push(stream.subarray(26))).toEqual([['SET', 'k', 'vv']]);
  });

  it('reads inline commands', () => {
    expect(new RespClientParser().push(Buffer.from('PING\r\n'))).toEqual([['PING']]);
  });
});

describe('sqlTemplate', () => {
  it('turns the one quoted string literal back into a placeholder', () => {
    const sql = "SELECT * FROM t WHERE price >= CAST('30.57' AS DECIMAL(10,2)) LIMIT 21";
    expect(sqlTemplate(sql, '30.57')).toBe(
      'SELECT * FROM t WHERE price >= CAST(? AS DECIMAL(10,2)) LIMIT 21',
    );
  });

  it('replaces a number only as a whole token', () => {
    expect(sqlTemplate('SELECT a FROM t WHERE id = 777 LIMIT 7777', 777)).toBe(
      'SELECT a FROM t WHERE id = ? LIMIT 7777',
    );
  });

  it('refuses a literal that is missing or ambiguous', () => {
    expect(() => sqlTemplate('SELECT 1', 5)).toThrow(/found it 0 times/);
    expect(() => sqlTemplate("WHERE a = 'x' OR b = 'x'", 'x')).toThrow(/found it 2 times/);
  });
});
