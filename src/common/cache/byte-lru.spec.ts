import { ByteLru } from './byte-lru';

describe(ByteLru.name, () => {
  const FAR = Number.MAX_SAFE_INTEGER;

  it('evicts the least recently used entries to stay within its byte bound', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 40, FAR);
    lru.set('b', 'B', 40, FAR);
    expect(lru.get('a', 0)).toBe('A'); // a is now the most recently used
    lru.set('c', 'C', 40, FAR);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(lru.get('a', 0)).toBe('A');
    expect(lru.get('c', 0)).toBe('C');
    expect(lru.bytes).toBe(80);
    expect(lru.size).toBe(2);
  });

  it('evicts as many entries as a large one needs and never exceeds the bound', () => {
    const lru = new ByteLru<number>(1_000);
    for (let i = 0; i < 100; i += 1) {
      lru.set(`k${i}`, i, 10 + (i % 7), FAR);
      expect(lru.bytes).toBeLessThanOrEqual(1_000);
    }
    lru.set('big', -1, 990, FAR);
    expect(lru.bytes).toBeLessThanOrEqual(1_000);
    expect(lru.get('big', 0)).toBe(-1);
    expect(lru.size).toBe(1);
  });

  it('does not store a value larger than the whole bound', () => {
    const lru = new ByteLru<string>(10);
    lru.set('a', 'A', 5, FAR);
    lru.set('huge', 'H', 11, FAR);
    expect(lru.get('huge', 0)).toBeUndefined();
    expect(lru.get('a', 0)).toBe('A');
  });

  it('replaces an entry under the same key and accounts its new size', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'one', 30, FAR);
    lru.set('a', 'two', 50, FAR);
    expect(lru.get('a', 0)).toBe('two');
    expect(lru.bytes).toBe(50);
  });

  it('expires entries at their deadline', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 10, 1_000);
    expect(lru.get('a', 999)).toBe('A');
    expect(lru.get('a', 1_000)).toBeUndefined();
    expect(lru.bytes).toBe(0);
  });

  it('drops entries by key prefix', () => {
    const lru = new ByteLru<string>(100);
    lru.set('x\u00001\u0000k', '1', 10, FAR);
    lru.set('x\u00002\u0000k', '2', 10, FAR);
    lru.set('y\u00001\u0000k', '3', 10, FAR);
    lru.deletePrefix('x\u0000');
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(10);
    expect(lru.get('y\u00001\u0000k', 0)).toBe('3');
  });
});
