import { ALNUM, DIGITS, Prng, TEXT_ALPHABET } from './prng';

/** The subset of OpenAPI 3.0 Schema Objects that the service's document uses. */
export interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  maxProperties?: number;
  nullable?: boolean;
  items?: Schema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  default?: unknown;
}

export interface SchemaDocument {
  components?: { schemas?: Record<string, Schema> };
}

const REF_PREFIX = '#/components/schemas/';

export function resolve(doc: SchemaDocument, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined; depth += 1) {
    const name = current.$ref.startsWith(REF_PREFIX) ? current.$ref.slice(REF_PREFIX.length) : '';
    const target = doc.components?.schemas?.[name];
    if (!target || depth > 20) {
      throw new Error(`unresolvable $ref ${current.$ref}`);
    }
    current = target;
  }
  return current;
}

/** RFC 3339 date-time, checked loosely (shape plus a parseable date). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const codePoints = (value: string): number => [...value].length;

/**
 * Validates `value` against `schema`; returns one message per violation (empty = valid).
 * Keywords outside the subset (example, description, default) are ignored.
 */
export function validate(doc: SchemaDocument, schema: Schema, value: unknown, at = '$'): string[] {
  const s = resolve(doc, schema);
  if (value === null) {
    return s.nullable || s.enum?.includes(null) ? [] : [`${at}: null but not nullable`];
  }
  if (s.enum && !s.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s.enum)}`];
  }
  switch (s.type) {
    case undefined:
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: expected boolean`];
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return [`${at}: expected ${s.type}, got ${JSON.stringify(value)}`];
      }
      const errors: string[] = [];
      if (s.type === 'integer' && !Number.isInteger(value)) {
        errors.push(`${at}: ${value} is not an integer`);
      }
      if (s.minimum !== undefined && value < s.minimum) {
        errors.push(`${at}: ${value} < minimum ${s.minimum}`);
      }
      if (s.maximum !== undefined && value > s.maximum) {
        errors.push(`${at}: ${value} > maximum ${s.maximum}`);
      }
      return errors;
    }
    case 'string': {
      if (typeof value !== 'string') {
        return [`${at}: expected string, got ${JSON.stringify(value)}`];
      }
      const errors: string[] = [];
      if (s.minLength !== undefined && codePoints(value) < s.minLength) {
        errors.push(`${at}: shorter than ${s.minLength}`);
      }
      if (s.maxLength !== undefined && codePoints(value) > s.maxLength) {
        errors.push(`${at}: longer than ${s.maxLength}`);
      }
      if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) {
        errors.push(`${at}: ${JSON.stringify(value)} does not match ${s.pattern}`);
      }
      if (s.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
        errors.push(`${at}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
      }
      return errors;
    }
    case 'array':
      if (!Array.isArray(value)) {
        return [`${at}: expected array`];
      }
      return s.items
        ? value.flatMap((item, i) => validate(doc, s.items as Schema, item, `${at}[${i}]`))
        : [];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        return [`${at}: expected object`];
      }
      const record = value as Record<string, unknown>;
      const errors: string[] = [];
      for (const name of s.required ?? []) {
        if (!(name in record)) {
          errors.push(`${at}: missing required ${name}`);
        }
      }
      for (const [name, member] of Object.entries(record)) {
        const property = s.properties?.[name];
        if (property) {
          errors.push(...validate(doc, property, member, `${at}.${name}`));
        } else if (s.additionalProperties === false) {
          errors.push(`${at}: unexpected property ${name}`);
        } else if (typeof s.additionalProperties === 'object') {
          errors.push(...validate(doc, s.additionalProperties, member, `${at}.${name}`));
        }
      }
      if (s.maxProperties !== undefined && Object.keys(record).length > s.maxProperties) {
        errors.push(`${at}: more than ${s.maxProperties} properties`);
      }
      return errors;
    }
    default:
      return [`${at}: schema type ${String(s.type)} is outside the supported subset`];
  }
}

/** Candidate makers for patterned strings; a candidate is kept only if it matches. */
const PATTERN_CANDIDATES: ((rng: Prng, max: number) => string)[] = [
  (rng, max) => rng.string(DIGITS, rng.int(1, Math.min(max, 8))),
  (rng) => `${rng.int(0, 99999)}.${rng.string(DIGITS, rng.int(1, 2))}`,
  (rng) => String(rng.int(0, 9999)),
  (rng, max) => rng.string(ALNUM, rng.int(1, Math.min(max, 24))),
  (rng, max) =>
    rng.pick(ALNUM) + rng.string([...ALNUM, '.', '_', '-'], rng.int(0, Math.min(max, 40) - 1)),
  (rng, max) => rng.string([...ALNUM, '.', '_', '-', ':'], rng.int(1, Math.min(max, 40))),
  (rng, max) => rng.string(TEXT_ALPHABET, rng.int(1, Math.min(max, 40))),
];

/** Cuts or pads `value` to between `min` and `max` code points (as the API counts). */
function fitLength(value: string, min: number, max: number): string {
  const points = [...value];
  while (points.length < min) {
    points.push('a');
  }
  return points.slice(0, max).join('');
}

function patternedString(rng: Prng, s: Schema): string {
  const pattern = new RegExp(s.pattern as string, 'u');
  const max = s.maxLength ?? 64;
  const fits = (value: string): boolean =>
    pattern.test(value) && codePoints(value) <= max && codePoints(value) >= (s.minLength ?? 0);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const candidate = rng.pick(PATTERN_CANDIDATES)(rng, max);
    if (fits(candidate)) {
      return candidate;
    }
  }
  if (typeof s.example === 'string' && fits(s.example)) {
    return s.example;
  }
  throw new Error(`cannot generate a string matching ${s.pattern}`);
}

function randomString(rng: Prng, s: Schema): string {
  if (s.format === 'date-time') {
    return new Date(Date.UTC(2020, 0, 1) + rng.int(0, 2e9) * 1000).toISOString();
  }
  if (s.pattern !== undefined) {
    return patternedString(rng, s);
  }
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 40;
  const length = rng.bool(0.1) ? max : rng.int(min, Math.min(max, min + 30));
  // Some alphabet entries are several code points (combining marks, ZWJ sequences).
  return fitLength(rng.string(TEXT_ALPHABET, length), min, max);
}

function randomNumber(rng: Prng, s: Schema): number {
  const min = s.minimum ?? -1_000_000;
  const max = s.maximum ?? 1_000_000;
  const edge = rng.next();
  if (edge < 0.15) {
    return min;
  }
  if (edge < 0.3) {
    return max;
  }
  const integer = rng.int(Math.ceil(min), Math.floor(Math.min(max, min + 1_000_000)));
  if (s.type === 'number' && rng.bool(0.3) && integer + 0.5 <= max) {
    return integer + 0.5;
  }
  return integer;
}

/** A value that `validate` accepts, drawn from the seeded PRNG. */
export function generate(doc: SchemaDocument, schema: Schema, rng: Prng, depth = 0): unknown {
  const s = resolve(doc, schema);
  if (s.nullable && rng.bool(0.15)) {
    return null;
  }
  if (s.enum) {
    return rng.pick(s.enum);
  }
  switch (s.type) {
    case 'boolean':
      return rng.bool();
    case 'integer':
    case 'number':
      return randomNumber(rng, s);
    case 'string':
      return randomString(rng, s);
    case 'array':
      return Array.from({ length: depth > 3 ? 0 : rng.int(0, 3) }, () =>
        generate(doc, s.items ?? {}, rng, depth + 1),
      );
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(s.required ?? []);
      for (const [name, property] of Object.entries(s.properties ?? {})) {
        if (required.has(name) || rng.bool(0.6)) {
          out[name] = generate(doc, property, rng, depth + 1);
        }
      }
      return out;
    }
    case undefined:
      return rng.pick([1, 'x', true, null]);
  }
}

/** A valid value rendered for a URL or header (strings as is, the rest as JSON). */
export function generateText(doc: SchemaDocument, schema: Schema, rng: Prng): string {
  const value = generate(doc, { ...resolve(doc, schema), nullable: false }, rng);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Values that `schema` certainly rejects, as text for a query, path or header: wrong
 * type, out of range, too long, not matching the pattern, outside the enum.
 */
export function invalidTexts(doc: SchemaDocument, schema: Schema): string[] {
  const s = resolve(doc, schema);
  const out: string[] = [];
  const rejects = (value: string): boolean => validate(doc, s, coerce(s, value)).length > 0;
  if (s.type === 'integer' || s.type === 'number') {
    out.push('abc', '', '1e3x', '0x1F', 'NaN', 'Infinity', '99999999999999999999999999');
    if (s.type === 'integer') {
      out.push('1.5', '2.0000001');
    }
    if (s.minimum !== undefined) {
      out.push(String(s.minimum - 1), '-99999999999');
    }
    if (s.maximum !== undefined) {
      out.push(String(s.maximum + 1), String(s.maximum * 1000));
    }
  }
  if (s.enum) {
    out.push('', 'ASC', `${String(s.enum[0])} `, `${String(s.enum[0])},x`, "' OR 1=1 --");
  }
  if (s.type === 'string' && !s.enum) {
    if (s.maxLength !== undefined) {
      out.push('x'.repeat(s.maxLength + 1), '9'.repeat(s.maxLength * 4 + 3));
    }
    if ((s.minLength ?? 0) > 0) {
      out.push('');
    }
    if (s.pattern !== undefined) {
      out.push(' 1', '-1', '1.234', 'abc', '1e5', '0x10', '🥭', "1' OR '1'='1", '%', '.', '1,5');
    }
  }
  return [...new Set(out)].filter(rejects);
}

/** How a text value reaches the validator: numbers parsed, other text kept. */
function coerce(s: Schema, text: string): unknown {
  if (s.type === 'integer' || s.type === 'number') {
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }
  return text;
}

/**
 * Values for one JSON body property that its schema certainly rejects: wrong types,
 * out of range, too long, not matching the pattern, null when not nullable.
 */
export function invalidJsonValues(doc: SchemaDocument, schema: Schema): unknown[] {
  const s = resolve(doc, schema);
  const candidates: unknown[] = [
    s.type === 'string' ? 42 : 'not-a-number',
    true,
    [],
    { $gt: '' },
    null,
  ];
  if (s.type === 'integer' || s.type === 'number') {
    candidates.push('12', 1e308, -1e308);
    if (s.type === 'integer') {
      candidates.push(1.5);
    }
    if (s.minimum !== undefined) {
      candidates.push(s.minimum - 1);
    }
    if (s.maximum !== undefined) {
      candidates.push(s.maximum + 1, Number.MAX_SAFE_INTEGER + 2);
    }
  }
  if (s.type === 'string') {
    if (s.maxLength !== undefined) {
      candidates.push('x'.repeat(s.maxLength + 1), '9'.repeat(s.maxLength + 1));
    }
    if ((s.minLength ?? 0) > 0) {
      candidates.push('');
    }
    if (s.pattern !== undefined) {
      candidates.push('', ' 12', '-1', '1.234', 'abc', '1e5', '🥭', "1' OR '1'='1", '12,50');
    }
  }
  if (s.enum) {
    candidates.push('not-in-enum');
  }
  return candidates.filter((value) => validate(doc, s, value).length > 0);
}
