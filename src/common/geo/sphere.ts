/**
 * Geometry on the sphere that MySQL's and MariaDB's `ST_Distance_Sphere` use. Distances
 * themselves are always computed by SQL (so that they compare exactly as SQL computes
 * them); this file only bounds them: the rectangle that holds a delivery area.
 */

/** The sphere radius `ST_Distance_Sphere` uses by default, in metres. */
export const EARTH_RADIUS_M = 6_370_986;

/** A latitude/longitude rectangle in degrees (x = longitude, y = latitude). */
export interface LatLngBox {
  readonly minLat: number;
  readonly maxLat: number;
  readonly minLng: number;
  readonly maxLng: number;
}

/**
 * Slack added to every box: a relative part for the floating-point error of the
 * trigonometry here and in SQL (both ~1e-15), and 1e-5° (~1 m) on each side. A box only
 * preselects; a point in it may still be out of reach, but a point in reach is never out
 * of its box.
 */
const RELATIVE_SLACK = 1e-6;
const SLACK_DEG = 1e-5;
/** Box corners are written with 7 decimals (~1 cm), rounded outwards. */
const BOX_DECIMALS = 7;
const BOX_SCALE = 10 ** BOX_DECIMALS;

const toRad = (deg: number): number => (deg * Math.PI) / 180;
const toDeg = (rad: number): number => (rad * 180) / Math.PI;
const down = (deg: number): number => Math.floor(deg * BOX_SCALE) / BOX_SCALE;
const up = (deg: number): number => Math.ceil(deg * BOX_SCALE) / BOX_SCALE;
const clamp = (value: number, limit: number): number => Math.max(-limit, Math.min(limit, value));

/**
 * The rectangle that contains every point at most `radiusM` metres (great-circle, on the
 * `ST_Distance_Sphere` sphere) from (lat, lng): latitude ± r/R, longitude ±
 * asin(sin(r/R) / cos(lat)), the cap's tangent meridians. When the area reaches a pole or
 * crosses the ±180° meridian the box spans every longitude: wider than needed (such areas
 * are rare), never too narrow.
 */
export function capBox(lat: number, lng: number, radiusM: number): LatLngBox {
  const angle = (radiusM / EARTH_RADIUS_M) * (1 + RELATIVE_SLACK);
  const dLat = toDeg(angle) + SLACK_DEG;
  const minLat = lat - dLat;
  const maxLat = lat + dLat;
  const coversPole = maxLat >= 90 || minLat <= -90;
  const ratio = coversPole ? 2 : Math.sin(angle) / Math.cos(toRad(lat));
  const dLng = ratio >= 1 ? Infinity : toDeg(Math.asin(ratio)) * (1 + RELATIVE_SLACK) + SLACK_DEG;
  const wraps = lng - dLng < -180 || lng + dLng > 180;
  return {
    minLat: down(clamp(minLat, 90)),
    maxLat: up(clamp(maxLat, 90)),
    minLng: wraps ? -180 : down(lng - dLng),
    maxLng: wraps ? 180 : up(lng + dLng),
  };
}

/** WKT of a box as a polygon, x = longitude and y = latitude, corners counter-clockwise. */
export function boxToWkt(box: LatLngBox): string {
  const f = (value: number): string => value.toFixed(BOX_DECIMALS);
  const [x0, y0, x1, y1] = [f(box.minLng), f(box.minLat), f(box.maxLng), f(box.maxLat)];
  return `POLYGON((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0}))`;
}

/** A point `distanceM` metres from (lat, lng) along `bearingDeg` (0 = north, 90 = east). */
export function destination(
  lat: number,
  lng: number,
  distanceM: number,
  bearingDeg: number,
): { lat: number; lng: number } {
  const d = distanceM / EARTH_RADIUS_M;
  const phi = toRad(lat);
  const theta = toRad(bearingDeg);
  const phi2 = Math.asin(
    Math.sin(phi) * Math.cos(d) + Math.cos(phi) * Math.sin(d) * Math.cos(theta),
  );
  const lambda2 =
    toRad(lng) +
    Math.atan2(
      Math.sin(theta) * Math.sin(d) * Math.cos(phi),
      Math.cos(d) - Math.sin(phi) * Math.sin(phi2),
    );
  const lng2 = ((toDeg(lambda2) + 540) % 360) - 180;
  return { lat: toDeg(phi2), lng: lng2 };
}
