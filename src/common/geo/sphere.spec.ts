import { boxToWkt, capBox, destination, EARTH_RADIUS_M } from './sphere';

/** Haversine on the same sphere, as ST_Distance_Sphere computes it. */
function distanceM(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const inBox = (box: ReturnType<typeof capBox>, p: { lat: number; lng: number }): boolean =>
  p.lat >= box.minLat && p.lat <= box.maxLat && p.lng >= box.minLng && p.lng <= box.maxLng;

describe('capBox', () => {
  it.each([
    [12.971599, 77.594566, 8_500],
    [0, 0, 500],
    [-33.86, 151.21, 100_000],
    [60, 10, 30_000],
    [-75, -60, 100_000],
  ])('holds every point of the delivery area around (%d, %d), r = %d m', (lat, lng, r) => {
    const box = capBox(lat, lng, r);
    for (let bearing = 0; bearing < 360; bearing += 0.5) {
      for (const share of [1, 0.999999, 0.5]) {
        const p = destination(lat, lng, r * share, bearing);
        expect({ bearing, share, inside: inBox(box, p) }).toEqual({ bearing, share, inside: true });
      }
    }
  });

  it('is tight: barely wider than the area', () => {
    const box = capBox(12.971599, 77.594566, 8_500);
    const north = destination(12.971599, 77.594566, 8_500, 0);
    const east = destination(12.971599, 77.594566, 8_500, 90);
    expect(box.maxLat - north.lat).toBeLessThan(2e-5);
    expect(box.maxLng - east.lng).toBeLessThan(2e-5);
    expect(
      distanceM({ lat: box.maxLat, lng: 77.594566 }, { lat: 12.971599, lng: 77.594566 }),
    ).toBeLessThan(8_500 + 3);
  });

  it('spans every longitude when the area reaches a pole or crosses ±180°', () => {
    expect(capBox(89.95, 10, 30_000)).toMatchObject({ minLng: -180, maxLng: 180, maxLat: 90 });
    expect(capBox(-89.99, 0, 5_000)).toMatchObject({ minLng: -180, maxLng: 180, minLat: -90 });
    expect(capBox(0.5, 179.95, 20_000)).toMatchObject({ minLng: -180, maxLng: 180 });
    expect(capBox(0.5, -179.95, 20_000)).toMatchObject({ minLng: -180, maxLng: 180 });
    expect(capBox(0.5, 179.5, 20_000).maxLng).toBeLessThan(180);
  });

  it('writes the box as a closed WKT polygon, x = longitude, y = latitude', () => {
    expect(boxToWkt({ minLat: 1, maxLat: 2, minLng: 3, maxLng: 4.12345678 })).toBe(
      'POLYGON((3.0000000 1.0000000,4.1234568 1.0000000,4.1234568 2.0000000,3.0000000 2.0000000,3.0000000 1.0000000))',
    );
  });
});

describe('destination', () => {
  it('lands at the distance it was asked for', () => {
    for (const bearing of [0, 45, 90, 200, 359]) {
      const p = destination(19.07609, 72.877426, 12_345, bearing);
      expect(Math.abs(distanceM({ lat: 19.07609, lng: 72.877426 }, p) - 12_345)).toBeLessThan(1e-6);
    }
  });
});
