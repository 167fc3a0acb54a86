/** Prices are decimal strings end to end ("129.50"): never floats. */

export interface PriceGrammarOptions {
  /** Most digits before the point; DECIMAL(10,2) holds 8. */
  readonly integerDigits?: number;
  /** Whether "007.5" is read (as "7.50") instead of refused. */
  readonly leadingZeros?: boolean;
  /** Whether a JSON number (12.5) is read as well as a string. */
  readonly numbers?: boolean;
  /** Exactly two decimals, as prices are stored and sent, instead of none to two. */
  readonly exactDecimals?: boolean;
}

/**
 * One way of writing a price: digits, then optionally a point and one or two decimals
 * (exactly two for the canonical form). Every price the service reads or documents is a
 * variant of this one pattern, so the OpenAPI `pattern`, the validators and the parsers
 * cannot drift apart.
 */
export class PriceGrammar {
  readonly pattern: RegExp;
  private readonly numbers: boolean;

  constructor({
    integerDigits = PRICE_INTEGER_DIGITS,
    leadingZeros = false,
    numbers = false,
    exactDecimals = false,
  }: PriceGrammarOptions = {}) {
    const whole = leadingZeros
      ? `[0-9]{1,${integerDigits}}`
      : `(0|[1-9][0-9]{0,${integerDigits - 1}})`;
    const fraction = exactDecimals ? '\\.[0-9]{2}' : '(\\.[0-9]{1,2})?';
    this.pattern = new RegExp(`^${whole}${fraction}$`);
    this.numbers = numbers;
  }

  /** The canonical form ("7.50") of a price written in this grammar, else null. */
  parse(value: unknown): string | null {
    const text =
      this.numbers && typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    return typeof text === 'string' && this.pattern.test(text) ? formatPrice(text) : null;
  }
}

/** DECIMAL(10,2): up to 8 integer digits and 2 decimals. */
export const PRICE_INTEGER_DIGITS = 8;

/** What clients send: "0", "129", "129.5", "129.50"; no sign, exponent or leading zero. */
export const CLIENT_PRICE = new PriceGrammar();

/** The canonical form every price is stored and answered in: "129.50". */
export const CANONICAL_PRICE = new PriceGrammar({ leadingZeros: true, exactDecimals: true });

/**
 * "5" → "5.00", "007.5" → "7.50": the canonical form of a price that a grammar accepted
 * (leading zeros dropped, decimals padded to two).
 */
export function formatPrice(text: string): string {
  const point = text.indexOf('.');
  const whole = point === -1 ? text : text.slice(0, point);
  const fraction = point === -1 ? '' : text.slice(point + 1);
  let start = 0;
  while (start < whole.length - 1 && whole[start] === '0') {
    start += 1;
  }
  return `${whole.slice(start)}.${fraction.padEnd(2, '0')}`;
}

/** Whole cents of a canonical price, for comparisons ("7.50" → 750). */
export function priceCents(canonical: string): number {
  const point = canonical.indexOf('.');
  return Number(canonical.slice(0, point)) * 100 + Number(canonical.slice(point + 1));
}
