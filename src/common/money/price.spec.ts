import { CANONICAL_PRICE, CLIENT_PRICE, formatPrice, PriceGrammar, priceCents } from './price';

describe('prices', () => {
  it('documents the client grammar with the same pattern it validates with', () => {
    expect(CLIENT_PRICE.pattern.source).toBe('^(0|[1-9][0-9]{0,7})(\\.[0-9]{1,2})?$');
    expect(CANONICAL_PRICE.pattern.source).toBe('^[0-9]{1,8}\\.[0-9]{2}$');
  });

  it.each([
    ['0', '0.00'],
    ['5', '5.00'],
    ['7.5', '7.50'],
    ['129.50', '129.50'],
    ['99999999.99', '99999999.99'],
  ])('reads the client price %j as %j', (text, canonical) => {
    expect(CLIENT_PRICE.parse(text)).toBe(canonical);
  });

  it.each(['', '-1', '05', '1.234', '1.', '.5', '1e3', '123456789', ' 1', 12.5])(
    'refuses the client price %j',
    (value) => {
      expect(CLIENT_PRICE.parse(value)).toBeNull();
    },
  );

  it('reads leading zeros and JSON numbers where a grammar allows them', () => {
    const partner = new PriceGrammar({ leadingZeros: true, numbers: true });
    expect(partner.parse('007.5')).toBe('7.50');
    expect(partner.parse(12.5)).toBe('12.50');
    expect(partner.parse(0.1 + 0.2)).toBeNull();
    expect(partner.parse(Number.POSITIVE_INFINITY)).toBeNull();
    expect(partner.parse('000000001')).toBeNull();
    expect(new PriceGrammar({ integerDigits: 12, leadingZeros: true }).parse('123456789012')).toBe(
      '123456789012.00',
    );
  });

  it('tells the canonical form apart', () => {
    expect(CANONICAL_PRICE.pattern.test('7.50')).toBe(true);
    expect(CANONICAL_PRICE.pattern.test('7.5')).toBe(false);
  });

  it('formats and compares canonical prices', () => {
    expect(formatPrice('0')).toBe('0.00');
    expect(formatPrice('000.1')).toBe('0.10');
    expect(priceCents('7.50')).toBe(750);
    expect(priceCents('0.05')).toBe(5);
  });
});
