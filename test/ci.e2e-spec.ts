import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Housekeeping the CI script and package.json promise: one build per CI run (while a plain
 * `npm test` still builds first for someone who has not built), a timestamp per CI step,
 * and no runtime dependency that nothing uses.
 */
const ROOT = join(__dirname, '..');
const CI_SCRIPT = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

const BUILD = /\b(npm run build|nest build)\b/g;

/** How many builds `npm …` (argv) starts: its script, its `pre` hook, and npm runs inside. */
function buildsOf(argv: string[]): number {
  if (argv[0] !== 'npm') {
    return 0;
  }
  const lifecycle = ['test', 'start', 'stop', 'restart'];
  const name = argv[1] === 'run' || argv[1] === 'run-script' ? argv[2] : argv[1];
  if (!(name in pkg.scripts) || (!lifecycle.includes(name) && argv[1] !== 'run')) {
    return 0;
  }
  const scripts = argv.includes('--ignore-scripts')
    ? [pkg.scripts[name]]
    : [pkg.scripts[`pre${name}`], pkg.scripts[name], pkg.scripts[`post${name}`]];
  return scripts
    .filter((script): script is string => script !== undefined)
    .reduce((sum, script) => {
      const direct = (script.match(BUILD) ?? []).length;
      const nested = [...script.matchAll(/npm run (?!build\b)([\w:-]+)/g)].reduce(
        (n, match) => n + buildsOf(['npm', 'run', match[1]]),
        0,
      );
      return sum + direct + nested;
    }, 0);
}

/** The top-level command lines of the CI script (outside functions), without `step "…"`. */
function topLevelCommands(): { line: string; argv: string[] }[] {
  const commands: { line: string; argv: string[] }[] = [];
  let depth = 0;
  for (const raw of CI_SCRIPT.split('\n')) {
    const line = raw.trim();
    if (/^\w+\(\)\s*\{$/.test(line)) {
      depth += 1;
      continue;
    }
    if (depth > 0) {
      depth += (line.match(/\{$/g) ?? []).length - (line === '}' ? 1 : 0);
      continue;
    }
    if (line === '' || line.startsWith('#') || /^(set|cd) /.test(line)) {
      continue;
    }
    const words = line.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
    commands.push({ line, argv: words[0] === 'step' ? words.slice(2) : words });
  }
  return commands;
}

describe('CI (.ci/run)', () => {
  it('builds once, and a plain `npm test` still builds first', () => {
    const commands = topLevelCommands();
    const builds = commands.map(({ line, argv }) => ({ line, builds: buildsOf(argv) }));
    expect(builds.filter((b) => b.builds > 0)).toEqual([
      { line: expect.stringContaining('npm run build'), builds: 1 },
    ]);
    const build = commands.findIndex((c) => c.argv.join(' ') === 'npm run build');
    const test = commands.findIndex((c) => c.argv[0] === 'npm' && c.argv[1] === 'test');
    expect(test).toBeGreaterThan(build);
    expect(buildsOf(['npm', 'test'])).toBe(1);
  });

  it('runs every command as a step that prints when it starts and how long it took', () => {
    const commands = topLevelCommands();
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(commands.filter(({ line }) => !line.startsWith('step '))).toEqual([]);

    const definition = /^step\(\) \{\n[\s\S]*?\n\}$/m.exec(CI_SCRIPT);
    expect(definition).not.toBeNull();
    const output = execFileSync(
      'bash',
      ['-c', `set -euo pipefail\n${definition![0]}\nstep "Demo step" echo inside`],
      { encoding: 'utf8' },
    );
    const stamp = '\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\]';
    expect(output).toMatch(
      new RegExp(`^\\n?==> ${stamp} Demo step\\ninside\\n<== ${stamp} Demo step: \\d+s\\n$`),
    );
  });
});

describe('runtime dependencies', () => {
  /** Every module specifier imported by the shipped code (src and migrations, not tests). */
  function importedPackages(): Set<string> {
    const found = new Set<string>();
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          visit(path);
        } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
          const source = readFileSync(path, 'utf8');
          for (const match of source.matchAll(
            /(?:from|import|require\()\s*\(?\s*'((?:@[\w.-]+\/)?[\w.-]+)[^']*'/g,
          )) {
            found.add(match[1]);
          }
        }
      }
    };
    visit(join(ROOT, 'src'));
    visit(join(ROOT, 'migrations'));
    return found;
  }

  /** Packages that some runtime dependency declares as a peer (loaded through it). */
  function peersOfDependencies(): Set<string> {
    const peers = new Set<string>();
    for (const name of Object.keys(pkg.dependencies)) {
      const manifest = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as PackageJson;
      Object.keys(manifest.peerDependencies ?? {}).forEach((peer) => peers.add(peer));
    }
    return peers;
  }

  it('are each imported by the service or needed as a peer of one that is', () => {
    const imported = importedPackages();
    const peers = peersOfDependencies();
    expect(
      Object.keys(pkg.dependencies).filter((name) => !imported.has(name) && !peers.has(name)),
    ).toEqual([]);
  });
});
