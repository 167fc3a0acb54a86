/**
 * A small seeded PRNG (mulberry32) so that every fuzz run sends the same requests in the
 * same order: a failure found once is found again.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new Error('pick from an empty list');
    }
    return items[Math.floor(this.next() * items.length)];
  }

  /** A copy of `items` in a seeded order. */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }

  /** `length` characters drawn from `alphabet` (code points, so astral symbols stay whole). */
  string(alphabet: readonly string[], length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) {
      out += this.pick(alphabet);
    }
    return out;
  }
}

const range = (from: string, to: string): string[] =>
  Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) =>
    String.fromCharCode(from.charCodeAt(0) + i),
  );

export const DIGITS = range('0', '9');
export const ALNUM = [...range('a', 'z'), ...range('A', 'Z'), ...DIGITS];
/** Characters that mean something to SQL, LIKE, JSON, HTML or a shell. */
export const METACHARACTERS = [...`%_\\'"\`;--/*#<>&|$(){}[],=+?!~^`];
/** Printable but unusual: accents, combining marks, RTL, CJK, emoji (astral), zero-width. */
export const ODD_UNICODE = [
  'é',
  'ß',
  'Ä',
  'e\u0301',
  'İ',
  'ﬁ',
  'א',
  '\u202e',
  '中',
  '🥭',
  '👩‍🌾',
  '\u200b',
  '\u00a0',
  '￼',
  '𝔘',
];
/** What unconstrained string values are made of. */
export const TEXT_ALPHABET = [...ALNUM, ...ALNUM, ' ', '-', '.', ...METACHARACTERS, ...ODD_UNICODE];
