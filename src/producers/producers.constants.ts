/** Bounds of a producer's fields. */
export const MAX_PRODUCER_NAME_LENGTH = 200;
/** Coordinates are stored as DECIMAL(9,6): at most 6 decimals (≈ 0.1 m). */
export const COORDINATE_DECIMALS = 6;
export const MAX_LATITUDE = 90;
export const MAX_LONGITUDE = 180;
/** DECIMAL(5,1) kilometres. */
export const RADIUS_DECIMALS = 1;
export const MIN_DELIVERY_RADIUS_KM = 0.5;
export const MAX_DELIVERY_RADIUS_KM = 100;

export const PRODUCERS_ROUTE = '/producers';
