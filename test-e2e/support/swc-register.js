// Preloaded (`node -r`) by test child processes: compiles the TypeScript sources on require with
// swc, as jest and scripts/build.mjs do, but through Node's own module loader. That is the loader
// the OpenTelemetry instrumentations hook; jest's module registry bypasses it.
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
    baseUrl: root,
    paths: {
      '@mammut/contracts': ['libs/contracts/src/index.ts'],
      '@mammut/platform': ['libs/platform/src/index.ts'],
      '@mammut/platform/telemetry': ['libs/platform/src/telemetry/index.ts'],
      '@mammut/mastodon-api': ['libs/mastodon-api/src/index.ts'],
      '@mammut/testing': ['libs/testing/src/index.ts'],
    },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
