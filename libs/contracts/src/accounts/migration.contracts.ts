import { z } from 'zod';
import { defineRequest } from '../define';
import { id } from './records';

/** How long after a move a local account must wait to move again (Mastodon's AccountMigration cooldown). */
export const MIGRATION_COOLDOWN_DAYS = 30;

/** One `alsoKnownAs` entry of a local account, with the handle of the account it names when known here. */
export const aliasRecord = z.object({
  uri: z.string(),
  /** `user@domain`; null when no account here has that uri any more. */
  acct: z.string().nullable(),
});
export type AliasRecord = z.infer<typeof aliasRecord>;

const aliasList = z.object({ aliases: z.array(aliasRecord) });

/**
 * Account migration as Mastodon offers it in its settings (Settings::AliasesController,
 * Settings::MigrationsController): a local account names the accounts it is also known as
 * (published as `alsoKnownAs`, the proof a move to it needs), and moves itself to another
 * account that names it. A remote account's verified Move lands here too.
 */
export const accountsMigration = {
  listAliases: defineRequest('accounts.alias.list', {
    request: z.object({ accountId: id }),
    response: aliasList,
  }),
  /**
   * Adds the target's uri to the account's aliases (adding it again changes nothing).
   * `unprocessable` for the account itself or past Mastodon's 256 aliases.
   */
  addAlias: defineRequest('accounts.alias.add', {
    request: z.object({ accountId: id, targetAccountId: id }),
    response: aliasList,
  }),
  /** Removes an alias by its uri; `not_found` when the account has no such alias. */
  removeAlias: defineRequest('accounts.alias.remove', {
    request: z.object({ accountId: id, uri: z.string().min(1).max(2048) }),
    response: aliasList,
  }),
  /**
   * The owner moves its account to the target (which must name it among its aliases), confirming
   * with its password: `unprocessable` for a wrong password, within MIGRATION_COOLDOWN_DAYS of its
   * last move, for itself, or a target that does not name it or has moved on. Followers move with it (accounts moves the local ones, federation tells the rest).
   */
  migrateAccount: defineRequest('accounts.account.migrate', {
    request: z.object({ accountId: id, targetAccountId: id, currentPassword: z.string().max(1024) }),
    response: z.object({ accountId: id, movedToAccountId: id }),
  }),
  /**
   * A remote account's Move, which federation verified (the target, fetched fresh, names it in
   * `alsoKnownAs`): the account is marked moved and its local followers follow the target.
   * `forbidden` for a local account.
   */
  moveRemoteAccount: defineRequest('accounts.remote_account.move', {
    request: z.object({ accountId: id, targetAccountId: id }),
    response: z.object({ accountId: id, movedToAccountId: id }),
  }),
};
