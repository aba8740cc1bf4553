// Preloaded (`node -r`) by test child processes: compiles the TypeScript sources on require with
// swc, as jest and scripts/build.mjs do, but through Node's own module loader. That is the loader
// the OpenTelemetry instrumentations hook; jest's module registry bypasses it.
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const { swcOptions } = require('../../scripts/swc-options.cjs');

const options = { ...swcOptions(), sourceMaps: 'inline' };

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
