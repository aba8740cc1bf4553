import { Inject, Injectable } from '@nestjs/common';
import { type AliasRecord, ContractError, contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

/** Mastodon reads at most this many `alsoKnownAs` entries of an actor; we publish no more. */
const MAX_ALIASES = 256;

const accountUpdated = contracts.accounts.admin.events.accountUpdated;

/**
 * A local account's aliases (Mastodon's Settings::AliasesController): the accounts it says it
 * also is, kept as their uris in `also_known_as`, which its actor publishes. An alias is what lets
 * another account move here. Each change is `account.updated` (`also_known_as`), so federation
 * sends the actor again.
 */
@Injectable()
export class ManageAliases {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async list(accountId: string): Promise<{ aliases: AliasRecord[] }> {
    return { aliases: await this.read(this.db.manager, await this.aliasesOf(this.db.manager, accountId)) };
  }

  async add(accountId: string, targetAccountId: string): Promise<{ aliases: AliasRecord[] }> {
    if (accountId === targetAccountId)
      throw new ContractError('unprocessable', 'Validation failed: You cannot alias your own account');
    return this.change(accountId, async (tx, aliases) => {
      const [target]: { uri: string }[] = await tx.query(
        `SELECT uri FROM accounts.accounts WHERE id = $1 AND suspended_at IS NULL`,
        [targetAccountId],
      );
      if (!target) throw new ContractError('not_found', 'Record not found');
      if (aliases.includes(target.uri)) return aliases;
      if (aliases.length >= MAX_ALIASES)
        throw new ContractError('unprocessable', `Validation failed: At most ${MAX_ALIASES} aliases`);
      return [...aliases, target.uri];
    });
  }

  async remove(accountId: string, uri: string): Promise<{ aliases: AliasRecord[] }> {
    return this.change(accountId, (_tx, aliases) => {
      if (!aliases.includes(uri)) throw new ContractError('not_found', 'Record not found');
      return Promise.resolve(aliases.filter((alias) => alias !== uri));
    });
  }

  private change(
    accountId: string,
    next: (tx: EntityManager, aliases: string[]) => Promise<string[]>,
  ): Promise<{ aliases: AliasRecord[] }> {
    return this.db.transaction(async (tx) => {
      const before = await this.aliasesOf(tx, accountId, true);
      const after = await next(tx, before);
      if (after !== before) {
        await tx.query(`UPDATE accounts.accounts SET also_known_as = $2, updated_at = now() WHERE id = $1`, [
          accountId,
          after,
        ]);
        await this.outbox.add(tx, accountUpdated, { accountId, changed: ['also_known_as'] });
      }
      return { aliases: await this.read(tx, after) };
    });
  }

  /** The aliases of a local account; `not_found` for a remote or unknown one. */
  private async aliasesOf(tx: EntityManager, accountId: string, lock = false): Promise<string[]> {
    const rows: { also_known_as: string[] }[] = await tx.query(
      `SELECT also_known_as FROM accounts.accounts WHERE id = $1 AND domain IS NULL${lock ? ' FOR UPDATE' : ''}`,
      [accountId],
    );
    if (!rows[0]) throw new ContractError('not_found', 'Record not found');
    return rows[0].also_known_as;
  }

  /** The aliases in their order, each with the handle of the account it names. */
  private async read(tx: EntityManager, uris: string[]): Promise<AliasRecord[]> {
    if (!uris.length) return [];
    const rows: { uri: string; username: string; domain: string | null }[] = await tx.query(
      `SELECT uri, username, domain FROM accounts.accounts WHERE uri = ANY($1::text[])`,
      [uris],
    );
    return uris.map((uri) => {
      const row = rows.find((candidate) => candidate.uri === uri);
      return { uri, acct: row ? (row.domain ? `${row.username}@${row.domain}` : row.username) : null };
    });
  }
}
