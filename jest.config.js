// One jest run for the whole tree: unit, integration and end-to-end projects share one infra
// (started in the global setup) so a test run costs one PostgreSQL, one Redis and one NATS.
const { aliases, swcOptions } = require('./scripts/swc-options.cjs');

const swc = ['@swc/jest', swcOptions()];
const moduleNameMapper = Object.fromEntries(
  Object.entries(aliases).map(([alias, file]) => [`^${alias}$`, `<rootDir>/${file}`]),
);
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // masto and change-case ship ESM only: let swc compile them to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(masto|change-case|@mastojs|structured-field-values)/)'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/', '<rootDir>/.tools/'],
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
    // The Helm chart's renders (helm/mammut), checked offline.
    { ...common, displayName: 'deploy', testMatch: ['<rootDir>/test-deploy/**/*.spec.ts'] },
  ],
};
