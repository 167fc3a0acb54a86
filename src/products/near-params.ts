/**
 * The `near` and `radius_km` parameters of GET /products: decimal text with at most 6
 * decimals, parsed to integer millionths and written back as canonical 6-decimal text, so
 * cursors and cache keys hold one spelling of each point and radius.
 */
import type { FieldError } from '../common/errors/app.error';
import type { NearQueryPoint } from './list-products.query';
import { MAX_RADIUS_KM_MICRO, MIN_RADIUS_KM_MICRO } from './products.constants';

/** Decimal text with at most 6 decimals → integer millionths; null when malformed. */
function micro(text: string): { value: number; decimals: number } | null {
  const match = /^(-?)([0-9]{1,3})(?:\.([0-9]+))?$/.exec(text);
  if (match === null) {
    return null;
  }
  const fraction = match[3] ?? '';
  const magnitude = Number(match[2]) * 1_000_000 + Number(fraction.slice(0, 6).padEnd(6, '0'));
  return { value: match[1] === '-' ? -magnitude : magnitude, decimals: fraction.length };
}

/** Integer millionths → canonical text with 6 decimals (no "-0"). */
function microText(value: number): string {
  const magnitude = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  const whole = Math.floor(magnitude / 1_000_000);
  return `${sign}${whole}.${String(magnitude % 1_000_000).padStart(6, '0')}`;
}

const NEAR_FORMAT = 'near must be "lat,lng" in decimal degrees with at most 6 decimal places';

/** `near` → the canonical point; null when absent or malformed (the problem in `errors`). */
export function parseNear(value: string | undefined, errors: FieldError[]): NearQueryPoint | null {
  if (value === undefined) {
    return null;
  }
  const parts = value.split(',');
  const lat = parts.length === 2 ? micro(parts[0]) : null;
  const lng = parts.length === 2 ? micro(parts[1]) : null;
  if (lat === null || lng === null) {
    errors.push({ field: 'near', message: NEAR_FORMAT });
    return null;
  }
  if (lat.decimals > 6 || lng.decimals > 6) {
    errors.push({ field: 'near', message: 'near accepts at most 6 decimal places' });
    return null;
  }
  if (Math.abs(lat.value) > 90_000_000 || Math.abs(lng.value) > 180_000_000) {
    errors.push({
      field: 'near',
      message: 'near latitude must be from -90 to 90 and longitude from -180 to 180',
    });
    return null;
  }
  const latText = microText(lat.value);
  const lngText = microText(lng.value);
  return { text: `${latText},${lngText}`, lat: Number(latText), lng: Number(lngText) };
}

/** `radius_km` → canonical 6-decimal text; null when absent or malformed (as `parseNear`). */
export function parseRadius(value: string | undefined, errors: FieldError[]): string | null {
  if (value === undefined) {
    return null;
  }
  const radius = value.startsWith('-') ? null : micro(value);
  if (
    radius === null ||
    radius.decimals > 6 ||
    radius.value < MIN_RADIUS_KM_MICRO ||
    radius.value > MAX_RADIUS_KM_MICRO
  ) {
    errors.push({
      field: 'radius_km',
      message: 'radius_km must be a decimal number from 0.1 to 100 with at most 6 decimal places',
    });
    return null;
  }
  return microText(radius.value);
}
