import { ContractError } from '@mammut/contracts';
import { type Config, Outbox } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import type { DataSource } from 'typeorm';
import { FEDERATION_SCHEMA, federationDataSource } from '../database/federation-database';
import { DomainBlocks } from './domain-blocks';

jest.setTimeout(30_000);

const code = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof ContractError ? error.code : String(error)),
  );

/**
 * The instance's domain blocks on the migrated federation schema: the rule for a host is its own
 * block or its closest parent's, as Mastodon's DomainBlock.rule_for; the list is in Mastodon's
 * order; changes apply to this replica's checks at once.
 */
describe('DomainBlocks', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let db: DataSource;
  let blocks: DomainBlocks;

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    db = await federationDataSource({ databaseUrl } as Config).initialize();
    blocks = new DomainBlocks(db, new Outbox({ schema: FEDERATION_SCHEMA }));
  });

  /** The `domain_block.changed` events written so far, oldest first. */
  const changes = async (): Promise<unknown[]> => {
    const rows: { payload: unknown }[] = await db.query(
      `SELECT payload FROM federation.outbox WHERE subject = 'events.federation.domain_block.changed' ORDER BY id`,
    );
    return rows.map((row) => row.payload);
  };

  afterAll(async () => {
    await db?.destroy();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('applies the most specific rule among a host and its parent domains', async () => {
    await blocks.create('Example.com.', { severity: 'silence' });
    await blocks.create('bad.example.com', { severity: 'suspend', rejectReports: true });
    expect(await blocks.isSuspended('a.bad.example.com:8443')).toBe(true);
    expect(await blocks.isSuspended('bad.example.com')).toBe(true);
    expect((await blocks.ruleFor('good.example.com'))?.severity).toBe('silence');
    expect(await blocks.isSuspended('good.example.com')).toBe(false);
    expect(await blocks.ruleFor('example.org')).toBeUndefined();
    expect(await blocks.suspendsUrl('https://x.bad.example.com/users/bob#main-key')).toBe(true);
    expect(await blocks.suspendsUrl('not a url')).toBe(false);
  });

  it('lists noop, silence, then suspend, each by domain, with ids minted by the database', async () => {
    await blocks.create('zz.example', { severity: 'noop', rejectMedia: true });
    const rows: { domain: string }[] = await db.query(`SELECT domain FROM federation.domain_blocks`);
    expect(rows).toHaveLength(3);
    const listed = await blocks.list();
    expect(listed.map((block) => [block.domain, block.severity])).toEqual([
      ['zz.example', 'noop'],
      ['example.com', 'silence'],
      ['bad.example.com', 'suspend'],
    ]);
    expect(listed.every((block) => /^\d+$/.test(block.id))).toBe(true);
  });

  it('changes only the named fields, clears a comment set to null, and lifts a block at once', async () => {
    await blocks.update('example.com', { publicComment: 'spam', privateComment: 'see ticket' });
    const { privateComment, publicComment, severity } = await blocks.update('EXAMPLE.com', {
      severity: 'suspend',
      privateComment: null,
    });
    expect({ privateComment, publicComment, severity }).toEqual({
      privateComment: null,
      publicComment: 'spam',
      severity: 'suspend',
    });
    expect(await blocks.isSuspended('good.example.com')).toBe(true);
    await blocks.remove('example.com');
    expect(await blocks.ruleFor('good.example.com')).toBeUndefined();
    expect(await code(blocks.remove('example.com'))).toBe('not_found');
    expect(await code(blocks.create('bad.example.com', {}))).toBe('conflict');
    expect(await code(blocks.create('no/such host', {}))).toBe('invalid_request');
  });

  it('writes each change with the block’s creation time for accounts to apply, and none for a refused one', async () => {
    const events = (await changes()) as { domain: string; severity: string | null; since: string }[];
    const example = events.filter((event) => event.domain === 'example.com');
    expect(example.map((event) => event.severity)).toEqual(['silence', 'silence', 'suspend', null]);
    expect(new Set(example.map((event) => event.since)).size).toBe(1);
    // create, create, create, update, update, remove: the refused calls wrote nothing.
    expect(events).toHaveLength(6);
  });
});
