/**
 * The architecture rules (docs/architecture.md, "Rules"), checked by `npm run check`, and
 * the options `npm run graph` draws the module graph with.
 *
 * A module is a folder directly under src/ with a *.module.ts; its API is its index.ts.
 * common/ is the shared floor, config/ the ground, cli/ and the files in src/ itself the
 * entry points.
 */
const MODULES = '(auth|external|health|idempotency|metrics|producers|products|rate-limit|webhooks)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, also not through a type import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'config-is-the-ground',
      comment: 'src/config/ reads the environment and imports nothing else of src/.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'common-imports-no-module',
      comment: 'src/common/ is the shared floor: it may use config/, never a module above it.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/(common|config)/' },
    },
    {
      name: 'modules-meet-through-their-api',
      comment:
        "A module uses another only through that module's index.ts (its exported API), never its files.",
      severity: 'error',
      from: { path: `^src/${MODULES}/` },
      to: { path: `^src/${MODULES}/`, pathNot: ['^src/$1/', `^src/${MODULES}/index\\.ts$`] },
    },
    {
      name: 'entry-points-use-module-apis',
      comment: 'main.ts, app.module.ts and app.setup.ts reach modules through their index.ts.',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: `^src/${MODULES}/`, pathNot: `^src/${MODULES}/index\\.ts$` },
    },
    {
      name: 'no-own-index',
      comment: "A module's files import each other directly, never their own index.ts (cycles).",
      severity: 'error',
      from: { path: `^src/${MODULES}/` },
      to: { path: '^src/$1/index\\.ts$' },
    },
    {
      name: 'services-hold-no-database-handle',
      comment:
        'Services hold no DataSource, EntityManager or SQL: persistence lives in repositories, ' +
        'transactions across them go through common/database/unit-of-work.ts.',
      severity: 'error',
      from: { path: '\\.service\\.ts$' },
      to: { path: '(^|/)node_modules/(typeorm|@nestjs/typeorm)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: {
      dot: { collapsePattern: '^src/(common/[^/]+|[^/]+)/' },
      archi: { collapsePattern: '^src/(common/[^/]+|[^/]+)/' },
    },
  },
};
