import { jsonNestsDeeperThan } from './strict-json';

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{}', 0, true],
    ['[[[]]]', 3, false],
    ['[[[]]]', 2, true],
    ['{"a":[{"b":1}],"c":{}}', 3, false],
    ['{"a":[{"b":1}],"c":{}}', 2, true],
    ['"[[[[[["', 1, false],
    ['{"a":"\\"[[[[","b":[]}', 2, false],
    ['{"a":"\\\\","b":[[]]}', 2, true],
  ])('%s with max %i → %s', (text, max, expected) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(expected);
  });

  it('stops early on a very deep body', () => {
    expect(jsonNestsDeeperThan('['.repeat(1_000_000))).toBe(true);
  });
});
