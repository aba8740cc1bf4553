// `npm run contracts:schema`: rewrites libs/contracts/contracts.schema.json, the committed wire
// shape of every request, event and job. Review its diff: a removed or narrowed field breaks
// services deployed side by side.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build, ensureModules } from './bootstrap.mjs';

ensureModules();
build();
const require = createRequire(import.meta.url);
const { contracts, contractsJsonSchema } = require('../dist/libs/contracts/src/index.js');
const file = 'libs/contracts/contracts.schema.json';
writeFileSync(file, `${JSON.stringify(contractsJsonSchema(contracts), null, 2)}\n`);
console.log(`wrote ${file}`);
