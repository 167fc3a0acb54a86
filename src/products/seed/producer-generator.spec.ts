import {
  generateProducer,
  producerOf,
  productRangeOf,
  productsOfProducer,
  SEED_CITIES,
  seedProducerCount,
} from './producer-generator';

describe('demo producers', () => {
  it('are the same producers on every run', () => {
    for (const k of [1, 2, 500, 4_095]) {
      expect(generateProducer(k)).toEqual(generateProducer(k));
    }
    expect(generateProducer(1)).toMatchObject({
      id: 1,
      lat: expect.stringMatching(/^-?\d{1,2}\.\d{6}$/),
      lng: expect.stringMatching(/^-?\d{1,3}\.\d{6}$/),
      radiusKm: expect.stringMatching(/^\d{1,2}\.\d$/),
      createdAt: expect.stringMatching(/^2023-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/),
    });
  });

  it('lie within 45 km of one of the cities, with delivery radii of 2–30 km', () => {
    for (let k = 1; k <= 3_000; k += 1) {
      const p = generateProducer(k);
      const city = SEED_CITIES.find((c) => p.name.endsWith(`, ${c.name}`));
      expect(city).toBeDefined();
      const dLat = (Number(p.lat) - city!.lat) * 111.2;
      const dLng = (Number(p.lng) - city!.lng) * 111.2 * Math.cos((city!.lat * Math.PI) / 180);
      expect({ k, near: Math.hypot(dLat, dLng) <= 46 }).toEqual({ k, near: true });
      expect(Number(p.radiusKm)).toBeGreaterThanOrEqual(2);
      expect(Number(p.radiusKm)).toBeLessThanOrEqual(30);
    }
  });

  it('own consecutive runs of products, whatever the catalog size', () => {
    expect(producerOf(1)).toBe(1);
    for (const k of [1, 2, 3, 100, 1_000]) {
      const { first, last } = productRangeOf(k);
      expect(last - first + 1).toBe(productsOfProducer(k));
      expect([producerOf(first), producerOf(last), producerOf(last + 1)]).toEqual([k, k, k + 1]);
    }
    expect(seedProducerCount(0)).toBe(0);
    expect(seedProducerCount(productRangeOf(10).last)).toBe(10);
    expect(seedProducerCount(productRangeOf(10).last + 1)).toBe(11);
  });

  it('sell a few hundred products each on average, skewed like a marketplace', () => {
    const producers = seedProducerCount(1_000_000);
    expect(producers).toBeGreaterThan(3_000);
    expect(producers).toBeLessThan(5_500);
    const sizes = Array.from({ length: producers }, (_, i) => productsOfProducer(i + 1)).sort(
      (a, b) => a - b,
    );
    const median = sizes[Math.floor(producers / 2)];
    const top1 = sizes.slice(Math.floor(producers * 0.99)).reduce((sum, n) => sum + n, 0);
    expect(median).toBeGreaterThan(100);
    expect(median).toBeLessThan(250);
    // The top 1 % of producers sell about a tenth of the catalog.
    expect(top1 / 1_000_000).toBeGreaterThan(0.05);
  });
});
