import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * Validates Kubernetes objects against the API's OpenAPI schemas with `kubernetes-models`
 * (offline: the schemas ship with the package). The package is ESM-only, which Jest on
 * Node 20 cannot load, so the check runs in a child `node` process; one message per object,
 * `null` when it is valid.
 */
const VALIDATOR = `
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const object of objects) {
  try {
    // apiVersion "v1" → kubernetes-models/v1/ConfigMap, "apps/v1" → kubernetes-models/apps/v1/Deployment
    const module = await import('kubernetes-models/' + object.apiVersion + '/' + object.kind);
    new module[object.kind](object).validate();
    results.push(null);
  } catch (error) {
    results.push(String(error && error.message ? error.message : error));
  }
}
process.stdout.write(JSON.stringify(results));
`;

export async function validateK8sObjects(objects: readonly object[]): Promise<(string | null)[]> {
  const child = spawn(process.execPath, ['--input-type=module', '--eval', VALIDATOR], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(objects));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new Error(`the schema validator exited with ${code}: ${stderr}`);
  }
  return JSON.parse(stdout) as (string | null)[];
}
