// `npm run migration:new -- <service> <VerbNoun>`: writes apps/<service>/src/migrations/
// <epochMillis>-<VerbNoun>.ts with an empty up() and lists it last in that folder's index.ts.
// Migrations are forward-only: there is no down().
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [service, name] = process.argv.slice(2);
if (!service || !name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  console.error('usage: npm run migration:new -- <service> <VerbNoun>');
  process.exit(2);
}
const dir = join('apps', service, 'src', 'migrations');
const index = join(dir, 'index.ts');
if (!existsSync(index)) {
  console.error(`no ${index}: is "${service}" a service with a schema?`);
  process.exit(2);
}
const stamp = Date.now();
const className = `${name}${stamp}`;
const file = join(dir, `${stamp}-${name}.ts`);
writeFileSync(
  file,
  `import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO: what this migration changes, and why. */
export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(q: QueryRunner): Promise<void> {
    const s = '${service}';
    const statements: string[] = [\`SELECT 1 -- \${s}\`];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
`,
);
const source = readFileSync(index, 'utf8');
const listed = source.replace(/,?\s*\]\s*;\s*$/, `, ${className}];\n`);
const imported = `import { ${className} } from './${stamp}-${name}';\n`;
const lastImport = listed.lastIndexOf('import ');
const afterImports = listed.indexOf('\n', lastImport) + 1;
writeFileSync(index, listed.slice(0, afterImports) + imported + listed.slice(afterImports));
console.log(`wrote ${file}; listed in ${index} (run prettier on both)`);
