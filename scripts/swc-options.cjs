// The one swc configuration: scripts/build.mjs (dist/), jest and the test child processes'
// require hook all compile the sources with it, so `@mammut/*` means the same everywhere.
const { join } = require('node:path');

const root = join(__dirname, '..');

/** Path aliases of tsconfig.base.json, each to its entry file. */
const aliases = {
  '@mammut/contracts': 'libs/contracts/src/index.ts',
  '@mammut/platform': 'libs/platform/src/index.ts',
  '@mammut/platform/telemetry': 'libs/platform/src/telemetry/index.ts',
  '@mammut/mastodon-api': 'libs/mastodon-api/src/index.ts',
  '@mammut/testing': 'libs/testing/src/index.ts',
  '@mammut/activitypub': 'libs/activitypub/src/index.ts',
};

/** swc options compiling TypeScript with Nest's decorators to CommonJS. */
const swcOptions = () => ({
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
    baseUrl: root,
    paths: Object.fromEntries(Object.entries(aliases).map(([alias, file]) => [alias, [file]])),
  },
  module: { type: 'commonjs' },
});

module.exports = { root, aliases, swcOptions };
