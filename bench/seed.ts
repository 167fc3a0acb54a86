import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BenchOptions, serviceEnv } from './options';
import { runNode } from './processes';
import { previousFreshSeed, SeedingResult } from './report';
import type { Stores } from './stores';

const RATE_LINE = /rows?\/s|seeded|skip|already/i;
const SEEDER_RATE = /inserted .*\(([\d,]+) rows\/s\)/;

/**
 * Makes sure the bench database holds `options.products` products with the project's own
 * seeder (`dist/src/cli/seed.js --count N`, idempotent for a given N), and times it.
 */
export async function ensureSeeded(options: BenchOptions, stores: Stores): Promise<SeedingResult> {
  const seeder = join(options.dist, 'src', 'cli', 'seed.js');
  if (!existsSync(seeder)) {
    throw new Error(`${seeder} is missing: run \`npm run build\` first`);
  }
  if (options.reseed) {
    await stores.dropDatabase();
  }
  const before = (await stores.productCount()) ?? 0;
  process.stderr.write(
    `[bench] seeding ${options.dbName} to ${options.products.toLocaleString('en-US')} products (${before.toLocaleString('en-US')} present)\n`,
  );
  const run = await runNode([seeder, '--count', String(options.products)], {
    cwd: options.root,
    env: serviceEnv(options, 0),
    echo: true,
  });
  if (run.code !== 0) {
    throw new Error(`the seeder exited with ${run.code}`);
  }
  const after = (await stores.productCount()) ?? 0;
  if (after !== options.products) {
    throw new Error(`expected ${options.products} products after seeding, found ${after}`);
  }
  const inserted = Math.max(0, after - before);
  const elapsedS = run.elapsedMs / 1000;
  const mode = before === 0 ? 'fresh' : inserted === 0 ? 'reused' : 'partial';
  const said = run.output
    .split('\n')
    .filter((line) => RATE_LINE.test(line))
    .slice(-2)
    .join(' ')
    .trim();
  const seederRate = SEEDER_RATE.exec(said);
  const wallRate = inserted > 0 ? Math.round(inserted / elapsedS) : null;
  return {
    rows: after,
    mode,
    insertedRows: inserted,
    elapsedS: Math.round(elapsedS * 100) / 100,
    rowsPerS: seederRate && inserted > 0 ? Number(seederRate[1].replace(/,/g, '')) : wallRate,
    wallRowsPerS: wallRate,
    lastFresh: mode === 'fresh' ? null : previousFreshSeed(options.resultsDir, after),
    seederSaid: said,
  };
}
