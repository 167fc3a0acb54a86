import { registerDecorator, ValidationOptions } from 'class-validator';

/** What a text field may contain besides visible text. */
export interface SafeTextOptions {
  /** Allows tab, line feed and carriage return (descriptions, notes). */
  readonly multiline?: boolean;
  /** Requires at least one visible character (names). */
  readonly notBlank?: boolean;
}

/** A UTF-16 surrogate without its pair: not Unicode text, and stored as U+FFFD by MySQL. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Controls (NUL, ESC of ANSI sequences, DEL, C1), line and paragraph separators and
 * noncharacters; with FORMAT, the format characters (bidi overrides and isolates such as
 * U+202E, zero-width space, BOM, soft hyphen, tags) except ZWNJ and ZWJ (U+200C, U+200D),
 * which Indic scripts and emoji sequences need.
 */
const CONTROL = String.raw`\p{Cc}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}`;
const JOINERS = String.raw`\u200C-\u200D`;
const FORMAT = String.raw`(?![${JOINERS}])\p{Cf}`;
/** What shows nothing: spaces of any kind, joiners, and the blank Hangul fillers. */
const BLANK_CLASS = String.raw`\s\p{Z}${JOINERS}\u115F\u1160\u3164\uFFA0\u2800`;

const INVISIBLE_OR_CONTROL = new RegExp(`[${CONTROL}]|${FORMAT}`, 'u');
const MULTILINE_ALLOWED = /[\t\n\r]/g;
const BLANK = new RegExp(`^[${BLANK_CLASS}]*$`, 'u');

/** `\uXXXX` ranges of the Basic Multilingual Plane's code points (surrogates aside) that `is` picks. */
function bmpClass(is: (char: string) => boolean): string {
  const hex = (code: number): string => `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const ranges: string[] = [];
  let start = -1;
  for (let code = 0; code <= 0x10000; code += 1) {
    const picked =
      code < 0x10000 && (code < 0xd800 || code > 0xdfff) && is(String.fromCharCode(code));
    if (picked && start < 0) {
      start = code;
    } else if (!picked && start >= 0) {
      ranges.push(start === code - 1 ? hex(start) : `${hex(start)}-${hex(code - 1)}`);
      start = -1;
    }
  }
  return ranges.join('');
}

const FORBIDDEN_CLASS = bmpClass((char) => INVISIBLE_OR_CONTROL.test(char));
const FORBIDDEN_MULTILINE_CLASS = bmpClass(
  (char) => !/^[\t\n\r]$/.test(char) && INVISIBLE_OR_CONTROL.test(char),
);
const BLANK_BMP_CLASS = bmpClass((char) => BLANK.test(char));

/**
 * The same rules as an ECMA-262 pattern for the OpenAPI document, so clients can check
 * names before sending them. It spells every character out as a `\uXXXX` range instead of
 * using Unicode property escapes, so that it means the same with and without the `u` flag
 * (JSON Schema validators differ there). It is exact on the Basic Multilingual Plane; lone
 * surrogates and the few supplementary-plane format characters and noncharacters
 * (U+E0001, the tag characters, U+1FFFE…) are the rules it leaves to the validator.
 */
export function safeTextPattern(options: SafeTextOptions = {}): string {
  const forbidden = options.multiline ? FORBIDDEN_MULTILINE_CLASS : FORBIDDEN_CLASS;
  const visible = options.notBlank ? `(?=[\\s\\S]*[^${BLANK_BMP_CLASS}])` : '';
  return `^${visible}[^${forbidden}]*$`;
}

/** Why `value` is not acceptable text under `options`, or null when it is. */
export function unsafeTextReason(value: string, options: SafeTextOptions = {}): string | null {
  if (LONE_SURROGATE.test(value)) {
    return 'must be well-formed Unicode (it contains a lone surrogate)';
  }
  const checked = options.multiline ? value.replace(MULTILINE_ALLOWED, '') : value;
  if (INVISIBLE_OR_CONTROL.test(checked)) {
    return options.multiline
      ? 'must not contain control or invisible formatting characters (tab and new lines are fine)'
      : 'must not contain control characters, new lines or invisible formatting characters';
  }
  if (options.notBlank && BLANK.test(value)) {
    return 'must not be blank';
  }
  return null;
}

/**
 * class-validator rule for human-readable text (names, categories, descriptions): rejects
 * strings that are not well-formed Unicode, control and invisible formatting characters
 * (new lines and tabs only with `multiline`), and, with `notBlank`, text with nothing
 * visible. Non-strings are left to `@IsString()`.
 */
export function IsSafeText(
  options: SafeTextOptions = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSafeText',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || unsafeTextReason(value, options) === null,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} ${
            unsafeTextReason(String(args?.value), options) ?? 'is not acceptable text'
          }`,
      },
    });
}
