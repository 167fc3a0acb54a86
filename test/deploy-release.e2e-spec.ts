import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { K8sObject, readKustomization, renderKustomization } from './support/kustomize';

/**
 * The release steps of docs/operations.md, run as a shell would run them from the
 * repository root: every directory they `cd` into or `apply -k` holds a kustomization,
 * every kustomization that is applied gets the new image first, and the migration Job has
 * completed before the kustomization with the Deployment is applied.
 */
const ROOT = join(__dirname, '..');
const IMAGE_NAME = 'farmlokal-api';

interface Command {
  /** Working directory the command runs in, relative to the repository root. */
  readonly cwd: string;
  readonly argv: string[];
}

/** The ```sh block that follows `heading` in a Markdown file. */
function shellBlockAfter(markdown: string, heading: string): string {
  const at = markdown.indexOf(heading);
  expect(at).toBeGreaterThanOrEqual(0);
  const block = /```sh\n([\s\S]*?)```/.exec(markdown.slice(at));
  expect(block).not.toBeNull();
  return block![1];
}

const words = (text: string): string[] =>
  (text.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));

/**
 * The commands of a block with the directory each runs in: `cd X && …` moves the shell,
 * `(cd X && …)` only its subshell; `NAME=value` lines set nothing we need.
 */
function commands(block: string): Command[] {
  let cwd = ROOT;
  const result: Command[] = [];
  for (const raw of block.split('\n').map((line) => line.trim())) {
    if (raw === '' || raw.startsWith('#') || /^[A-Z_]+=\S*$/.test(raw)) {
      continue;
    }
    const subshell = /^\((.*)\)$/.exec(raw);
    let here = cwd;
    for (const part of (subshell ? subshell[1] : raw).split('&&').map((p) => p.trim())) {
      const argv = words(part);
      if (argv[0] === 'cd') {
        here = resolve(here, argv[1]);
        if (!subshell) {
          cwd = here;
        }
      } else {
        result.push({ cwd: relative(ROOT, here) || '.', argv });
      }
    }
  }
  return result;
}

function objectsOf(dir: string): K8sObject[] {
  return renderKustomization(ROOT, join(ROOT, dir)).map((m) => m.object);
}

describe('the release steps in docs/operations.md', () => {
  const block = shellBlockAfter(
    readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8'),
    'Release, from the repository root:',
  );
  const steps = commands(block);
  const index = (predicate: (c: Command) => boolean): number => {
    const found = steps.findIndex(predicate);
    expect(found).toBeGreaterThanOrEqual(0);
    return found;
  };
  const isApply = (c: Command) => c.argv[0] === 'kubectl' && c.argv[1] === 'apply';
  const appliedDir = (c: Command): string => {
    expect(c.argv.slice(2, 3)).toEqual(['-k']);
    return relative(ROOT, resolve(ROOT, c.cwd, c.argv[3]));
  };

  it('applies only directories that hold a kustomization, from where the shell is', () => {
    const applies = steps.filter(isApply);
    expect(applies.length).toBeGreaterThanOrEqual(2);
    for (const apply of applies) {
      const dir = appliedDir(apply);
      expect({ dir, kustomization: existsSync(join(ROOT, dir, 'kustomization.yaml')) }).toEqual({
        dir,
        kustomization: true,
      });
    }
  });

  it('sets the new image in every kustomization it applies, before applying any', () => {
    const edits = steps.filter((c) => c.argv.slice(0, 4).join(' ') === 'kustomize edit set image');
    for (const edit of edits) {
      expect(edit.argv[4]).toMatch(new RegExp(`^${IMAGE_NAME}=`));
      const images = readKustomization(join(ROOT, edit.cwd)).images ?? [];
      expect(images.map((image) => image.name)).toContain(IMAGE_NAME);
    }
    const edited = new Set(edits.map((edit) => edit.cwd));
    const applies = steps.filter(isApply);
    expect(applies.map(appliedDir).filter((dir) => !edited.has(dir))).toEqual([]);
    const lastEdit = Math.max(...edits.map((edit) => steps.indexOf(edit)));
    expect(lastEdit).toBeLessThan(steps.indexOf(applies[0]));
  });

  it('completes the migration Job before it applies the Deployment', () => {
    const applies = steps.filter(isApply);
    const withKind = (kind: string) =>
      applies.filter((apply) => objectsOf(appliedDir(apply)).some((o) => o.kind === kind));
    const jobSteps = withKind('Job');
    const deploymentSteps = withKind('Deployment');
    expect(jobSteps).toHaveLength(1);
    expect(deploymentSteps).toHaveLength(1);
    expect(jobSteps[0]).not.toBe(deploymentSteps[0]);

    const job = objectsOf(appliedDir(jobSteps[0])).find((o) => o.kind === 'Job')!;
    const deployment = objectsOf(appliedDir(deploymentSteps[0])).find(
      (o) => o.kind === 'Deployment',
    )!;
    const name = job.metadata.name as string;
    const deleted = index(
      (c) => c.argv.slice(0, 4).join(' ') === `kubectl delete job ${name}` && c.argv.length >= 4,
    );
    const applyJob = steps.indexOf(jobSteps[0]);
    const waited = index(
      (c) =>
        c.argv.slice(0, 2).join(' ') === 'kubectl wait' &&
        c.argv.includes('--for=condition=complete') &&
        c.argv.includes(`job/${name}`),
    );
    const applyDeployment = steps.indexOf(deploymentSteps[0]);
    const rolledOut = index((c) =>
      c.argv.join(' ').startsWith(`kubectl rollout status deployment/${deployment.metadata.name}`),
    );
    expect([deleted, applyJob, waited, applyDeployment, rolledOut]).toEqual(
      [deleted, applyJob, waited, applyDeployment, rolledOut].sort((a, b) => a - b),
    );
  });
});
