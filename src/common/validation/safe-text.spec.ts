import { safeTextPattern, unsafeTextReason } from './safe-text';

describe('unsafeTextReason', () => {
  it.each([
    ['plain text', 'Alphonso Mango'],
    ['accents and CJK', 'Café 芒果'],
    ['Devanagari with ZWJ', 'क्\u200dष'],
    ['Malayalam with ZWNJ', 'മാ\u200cമ്പഴം'],
    ['an emoji ZWJ sequence', '👩\u200d🌾'],
    ['a surrogate pair', '🥭'],
    ['a variation selector', '❤\ufe0f'],
  ])('accepts %s', (_label, value) => {
    expect(unsafeTextReason(value, { notBlank: true })).toBeNull();
  });

  it.each([
    ['NUL', 'a\u0000'],
    ['ESC', '\u001b[31m'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085'],
    ['RLO', '\u202e'],
    ['an isolate', '\u2066a\u2069'],
    ['LRM', 'a\u200e'],
    ['ZWSP', 'a\u200bb'],
    ['a word joiner', 'a\u2060b'],
    ['a BOM', '\ufeffa'],
    ['a soft hyphen', 'a\u00adb'],
    ['a tag character', 'a\u{e0041}'],
    ['a line separator', 'a\u2028b'],
    ['a noncharacter', 'a\uffff'],
    ['a new line', 'a\nb'],
    ['a tab', 'a\tb'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00a'],
    ['a reversed pair', '\udc00\ud800'],
  ])('rejects %s', (_label, value) => {
    expect(unsafeTextReason(value)).not.toBeNull();
  });

  it('allows tabs and new lines, and nothing else, when multiline', () => {
    expect(unsafeTextReason('a\n\tb\r\nc', { multiline: true })).toBeNull();
    expect(unsafeTextReason('a\n\u001b', { multiline: true })).not.toBeNull();
    expect(unsafeTextReason('a\u2028', { multiline: true })).not.toBeNull();
  });

  it.each(['', '   ', '\u00a0\u3000', '\u200d', '\u3164', '\u2800'])(
    'rejects the blank %j when notBlank',
    (value) => {
      expect(unsafeTextReason(value, { notBlank: true })).toBe('must not be blank');
      expect(unsafeTextReason(value)).toBeNull();
    },
  );
});

describe('safeTextPattern', () => {
  const samples = [
    'Alphonso Mango',
    'Café 芒果 🥭 👩\u200d🌾',
    'क्\u200dष',
    '',
    '   ',
    '\u200d',
    '\u3164',
    'a\u0000',
    '\u001b[31m',
    'a\u202eb',
    'a\u200bb',
    '\ufeffa',
    'a\u2028b',
    'a\uffff',
    'a\nb',
    'a\tb\r\nc',
    'e\u0301',
    '%_\\\'"`;--/*#<>&|$(){}[],=+?!~^',
  ];
  it.each([{}, { notBlank: true }, { multiline: true }, { multiline: true, notBlank: true }])(
    'matches exactly what the validator accepts (%j)',
    (options) => {
      // JSON Schema tools differ on the `u` flag: the pattern must mean the same either way.
      for (const flags of ['u', '']) {
        const pattern = new RegExp(safeTextPattern(options), flags);
        for (const sample of samples) {
          expect([flags, sample, pattern.test(sample)]).toEqual([
            flags,
            sample,
            unsafeTextReason(sample, options) === null,
          ]);
        }
      }
    },
  );

  it.each([{}, { notBlank: true }, { multiline: true }])(
    'agrees with the validator on every character of the Basic Multilingual Plane (%j)',
    (options) => {
      const disagreements: string[] = [];
      for (const flags of ['u', '']) {
        const pattern = new RegExp(safeTextPattern(options), flags);
        for (let code = 0; code < 0x10000; code += 1) {
          if (code >= 0xd800 && code <= 0xdfff) {
            continue;
          }
          const text = `a${String.fromCharCode(code)}`;
          if (pattern.test(text) !== (unsafeTextReason(text, options) === null)) {
            disagreements.push(`${flags || 'no flag'}: U+${code.toString(16)}`);
          }
        }
      }
      expect(disagreements).toEqual([]);
    },
  );
});
