// One jest run for the whole tree: unit, integration and end-to-end projects share one infra
// (started in the global setup) so a test run costs one PostgreSQL, one Redis and one NATS.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: __dirname,
      paths: {
        '@mammut/contracts': ['libs/contracts/src/index.ts'],
        '@mammut/platform': ['libs/platform/src/index.ts'],
        '@mammut/platform/telemetry': ['libs/platform/src/telemetry/index.ts'],
        '@mammut/mastodon-api': ['libs/mastodon-api/src/index.ts'],
        '@mammut/testing': ['libs/testing/src/index.ts'],
      },
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@mammut/contracts$': '<rootDir>/libs/contracts/src/index.ts',
  '^@mammut/platform$': '<rootDir>/libs/platform/src/index.ts',
  '^@mammut/platform/telemetry$': '<rootDir>/libs/platform/src/telemetry/index.ts',
  '^@mammut/mastodon-api$': '<rootDir>/libs/mastodon-api/src/index.ts',
  '^@mammut/testing$': '<rootDir>/libs/testing/src/index.ts',
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // masto and change-case ship ESM only: let swc compile them to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(masto|change-case|@mastojs)/)'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
};
module.exports = {
  transform: common.transform,
  globalSetup: '<rootDir>/test-e2e/support/global-setup.ts',
  globalTeardown: '<rootDir>/test-e2e/support/global-teardown.ts',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test-e2e/**/*.e2e.spec.ts'] },
  ],
};
