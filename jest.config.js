/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];
const shared = {
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // jose 6 is ESM-only; Jest on Node 20 needs it transformed.
  transformIgnorePatterns: ['/node_modules/(?!(jose|oauth2-mock-server|is-plain-obj)/)'],
};
module.exports = {
  // A global option: Jest ignores it inside `projects`.
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      rootDir: '.',
      roots: ['<rootDir>/src', '<rootDir>/bench'],
      testRegex: '.*\\.spec\\.ts$',
    },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: '.',
      testRegex: 'test/.*\\.e2e-spec\\.ts$',
    },
  ],
};
