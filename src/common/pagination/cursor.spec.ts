import { CursorCodec, hashQuery, InvalidCursorError, MAX_CURSOR_LENGTH } from './cursor';

describe(CursorCodec.name, () => {
  const codec = new CursorCodec('a-signing-key-of-some-length');
  const query = hashQuery('["price","asc",[],null,null,false,null]');

  it('round-trips a position for the same query', () => {
    const cursor = codec.encode(query, { key: '129.50', id: '42' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor, query)).toEqual({ key: '129.50', id: '42' });
  });

  it('rejects a cursor used with another query', () => {
    const cursor = codec.encode(query, { key: '1.00', id: '1' });
    expect(() => codec.decode(cursor, hashQuery('other'))).toThrow(InvalidCursorError);
  });

  it('rejects every single-character change', () => {
    const cursor = codec.encode(query, { key: 'Mango', id: '7' });
    for (let i = 0; i < cursor.length; i += 1) {
      const flipped = cursor[i] === 'A' ? 'B' : 'A';
      const tampered = cursor.slice(0, i) + flipped + cursor.slice(i + 1);
      expect(() => codec.decode(tampered, query)).toThrow(InvalidCursorError);
    }
  });

  it('rejects a cursor signed with another key', () => {
    const foreign = new CursorCodec('another-signing-key-entirely').encode(query, {
      key: '1.00',
      id: '1',
    });
    expect(() => codec.decode(foreign, query)).toThrow(InvalidCursorError);
  });

  it.each([
    ['empty', ''],
    ['no signature', 'abc'],
    ['not base64url', 'a b.c d'],
    ['over-long', 'a'.repeat(MAX_CURSOR_LENGTH + 1)],
    ['dot only', '.'],
  ])('rejects a malformed cursor (%s)', (_, cursor) => {
    expect(() => codec.decode(cursor, query)).toThrow(InvalidCursorError);
  });

  it('rejects a correctly signed payload of the wrong shape', () => {
    const sign = (payload: unknown): string => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const mac = (codec as unknown as { mac(b: string): Buffer }).mac(body).toString('base64url');
      return `${body}.${mac}`;
    };
    expect(() => codec.decode(sign({ v: 2, q: query, k: 'x', i: '1' }), query)).toThrow(
      InvalidCursorError,
    );
    expect(() => codec.decode(sign({ v: 1, q: query, k: 'x', i: '-1' }), query)).toThrow(
      InvalidCursorError,
    );
    expect(() => codec.decode(sign([1, 2]), query)).toThrow(InvalidCursorError);
  });

  it('keeps cursors within the length limit by dropping an over-long key', () => {
    const longName = '🥭'.repeat(200);
    const cursor = codec.encode(query, { key: longName, id: '9' });
    expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(codec.decode(cursor, query)).toEqual({ key: null, id: '9' });
  });
});
