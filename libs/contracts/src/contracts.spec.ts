import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue, contracts, contractsJsonSchema } from './index';

const entries = catalogue(contracts);
const noun = '[a-z][a-z_]*';
/** Past tenses that don't end in -ed. */
const irregularPast = ['withdrawn', 'sent', 'read', 'undone'];

describe('contract declarations', () => {
  it('lists each declaration once, under the key path that reaches it', () => {
    const reach = (path: string): unknown =>
      path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], contracts);
    expect(entries.filter((e) => reach(e.path) !== e.def)).toEqual([]);
    expect(new Set(entries.map((e) => e.def)).size).toBe(entries.length);
    expect(entries.find((e) => e.path === 'accounts.profiles.getAccounts')?.def.subject).toBe(
      'accounts.account.get',
    );
    expect(entries.find((e) => e.path === 'accounts.relationships.events.followCreated')?.def.kind).toBe(
      'event',
    );
  });

  it.each(entries.filter((e) => e.def.kind === 'event').map((e) => [e.def.subject, e] as const))(
    '%s names the aggregate its consumers apply it in order with',
    (_, { def }) => {
      expect(def.kind === 'event' && typeof def.aggregate).toBe('function');
    },
  );

  it.each(entries.map((e) => [e.def.subject, e] as const))('%s follows the naming pattern', (_, entry) => {
    const service = entry.path.split('.')[0];
    const { def } = entry;
    switch (def.kind) {
      case 'request':
        expect(def.subject).toMatch(new RegExp(`^${service}\\.${noun}\\.${noun}$`));
        break;
      case 'event': {
        expect(def.subject).toMatch(new RegExp(`^events\\.${service}\\.${noun}\\.${noun}$`));
        const verb = def.subject.split('.').pop() ?? '';
        expect(verb.endsWith('ed') || irregularPast.includes(verb)).toBe(true);
        expect(Number.isInteger(def.version) && def.version >= 1).toBe(true);
        break;
      }
      case 'job':
        expect(def.subject).toMatch(new RegExp(`^jobs\\.${service}\\.${noun}\\.${noun}$`));
        break;
    }
  });

  it('gives every subject to one declaration only', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const { path, def } of entries) {
      const other = seen.get(def.subject);
      if (other) clashes.push(`${def.subject}: ${other} and ${path}`);
      seen.set(def.subject, path);
    }
    expect(clashes).toEqual([]);
  });

  it('matches the committed JSON Schema (run `npm run contracts:schema` after a deliberate change)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(join(__dirname, '..', 'contracts.schema.json'), 'utf8'),
    );
    expect(contractsJsonSchema(contracts)).toEqual(committed);
  });
});
