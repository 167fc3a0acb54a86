import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * Planning documents that are not part of this repository. Spelled in pieces so that this
 * file does not cite them itself.
 */
const OUTSIDE_DOCUMENTS = ['CONTRACT', 'RELIABILITY', 'STYLE', 'DEPENDENCIES'].map(
  (name) => `${name}${'.md'}`,
);
const CITATION = new RegExp(
  `\\b(${OUTSIDE_DOCUMENTS.map((name) => name.replace('.', '\\.')).join('|')})\\b`,
);

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
}

describe('the repository stands on its own', () => {
  it('cites no document from outside the repository, in any tracked file', () => {
    const citations: string[] = [];
    for (const file of trackedFiles()) {
      let text: string;
      try {
        text = readFileSync(join(ROOT, file), 'utf8');
      } catch {
        continue; // deleted in the working tree
      }
      text.split('\n').forEach((line, index) => {
        if (CITATION.test(line)) {
          citations.push(`${file}:${index + 1}: ${line.trim().slice(0, 120)}`);
        }
      });
    }
    expect(citations).toEqual([]);
  });

  it('has its own API reference, pointing at the OpenAPI document for every path', () => {
    const reference = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    expect(reference).toMatch(/source of truth/);
    expect(reference).toContain('openapi.json');
    expect(reference).toContain('npm run openapi');
    const document = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const missing = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((method) => `${method.toUpperCase()} ${path}`)
        .filter((operation) => !reference.includes(operation)),
    );
    expect(missing).toEqual([]);
    for (const term of ['near', 'radius_km', 'sort=distance', 'distance_km', 'If-None-Match']) {
      expect([term, reference.includes(`\`${term}\``)]).toEqual([term, true]);
    }
  });

  it('tells how to regenerate the OpenAPI document in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm run openapi');
    expect(readme).toContain('docs/api.md');
  });
});
