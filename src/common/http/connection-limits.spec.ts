import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_CONNECTIONS, effectiveMaxConnections } from './connection-limits';

function limitsFile(soft: string, hard = '1048576'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'limits-')), 'limits');
  writeFileSync(
    path,
    'Limit                     Soft Limit           Hard Limit           Units     \n' +
      'Max processes             127431               127431               processes \n' +
      `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     \n`,
  );
  return path;
}

describe('effectiveMaxConnections', () => {
  it('uses a configured value as it is', () => {
    expect(effectiveMaxConnections(5000, limitsFile('1024'))).toBe(5000);
  });

  it('keeps 256 descriptors free under a low open-files limit', () => {
    expect(effectiveMaxConnections(0, limitsFile('1024'))).toBe(768);
  });

  it('caps at the default under a high open-files limit', () => {
    expect(effectiveMaxConnections(0, limitsFile('1048576'))).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(effectiveMaxConnections(0, limitsFile('unlimited'))).toBe(DEFAULT_MAX_CONNECTIONS);
  });

  it('never goes below 64, and falls back to the default without a limits file', () => {
    expect(effectiveMaxConnections(0, limitsFile('256'))).toBe(64);
    expect(effectiveMaxConnections(0, '/nonexistent/limits')).toBe(DEFAULT_MAX_CONNECTIONS);
  });
});
