import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config, SchemaChangeListener, type TaggedCache } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { GrantCache } from './grant-cache';
import { GrantChangesPublisher } from './grant-changes.publisher';
import { AccountsCache, CredentialsCache, FiltersCache, RelationshipsCache } from './read-caches';

/** The channel the accounts schema's triggers notify on (their migrations spell it out too). */
export const ACCOUNT_CHANGES_CHANNEL = 'mammut_accounts_grants';

/**
 * Keeps the accounts service's read caches (token grants, credentials, accounts, relationships,
 * filters) true to PostgreSQL. Its triggers notify the tag of whatever changed: `t:<digest>`,
 * `u:<user>`, `a:<account>` for what narrows a grant, `c:<account>` for credentials and accounts,
 * `r:<account>` for its relationships, `f:<account>` for its filters. What narrows a grant is also
 * passed on to the bus (GrantChangesPublisher), for the gateway's open streams.
 */
@Injectable()
export class AccountChangesListener extends SchemaChangeListener {
  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(ACCOUNTS_DB) db: DataSource,
    grants: GrantCache,
    credentials: CredentialsCache,
    relationships: RelationshipsCache,
    accounts: AccountsCache,
    filters: FiltersCache,
    publisher: GrantChangesPublisher,
  ) {
    super(db, {
      databaseUrl: config.databaseUrl,
      channel: ACCOUNT_CHANGES_CHANNEL,
      name: 'mammut-accounts-changes',
      tags: /^[tuacrf]:./,
      caches: [grants, credentials, relationships, accounts, filters] as TaggedCache<unknown>[],
      onChange: (tag) => publisher.heard(tag),
    });
  }
}
