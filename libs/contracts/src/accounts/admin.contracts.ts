import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, isoDate, role } from './records';

/** A local user as an operator sees it (the CLI now, the admin API later). */
export const adminUser = z.object({
  userId: id,
  accountId: id,
  username: z.string(),
  email: z.string(),
  role,
  confirmed: z.boolean(),
  approved: z.boolean(),
  disabled: z.boolean(),
  suspended: z.boolean(),
  silenced: z.boolean(),
  createdAt: isoDate,
  lastSignInAt: isoDate.nullable(),
});
export type AdminUser = z.infer<typeof adminUser>;

/** The profile attributes an `account.updated` event can name. */
export const profileAttribute = z.enum([
  /** Only remote accounts are renamed (their server changed the handle of the same actor). */
  'username',
  'display_name',
  'note',
  'fields',
  'avatar',
  'header',
  'locked',
  'bot',
  'discoverable',
  'indexable',
  'hide_collections',
  /** The accounts it is also known as (`alsoKnownAs`), which a move to it needs. */
  'also_known_as',
]);
export type ProfileAttribute = z.infer<typeof profileAttribute>;

const account = { accountId: id };
const user = { userId: id, accountId: id };
/** Every lifecycle event of an account or its user is one aggregate, applied in order. */
const ofAccount = (p: { accountId: string }): string => `account:${p.accountId}`;

/**
 * The lifecycle of accounts and users, written to the accounts outbox in the transaction that
 * made the change, whoever made it (the API, the operator CLI, federation, moderation): the facts
 * later services (timelines, federation, search, moderation) keep their projections by.
 */
export const accountEvents = {
  accountCreated: defineEvent('events.accounts.account.created', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object({ ...account, username: z.string(), domain: z.string().nullable() }),
  }),
  /** The public profile changed; `changed` names what (consumers read the account again). */
  accountUpdated: defineEvent('events.accounts.account.updated', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object({ ...account, changed: z.array(profileAttribute).min(1) }),
  }),
  accountSuspended: defineEvent('events.accounts.account.suspended', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(account),
  }),
  accountUnsuspended: defineEvent('events.accounts.account.unsuspended', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(account),
  }),
  accountSilenced: defineEvent('events.accounts.account.silenced', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(account),
  }),
  accountUnsilenced: defineEvent('events.accounts.account.unsilenced', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(account),
  }),
  /** Gone for good: its relationships were removed with their own events first. */
  accountDeleted: defineEvent('events.accounts.account.deleted', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(account),
  }),
  /**
   * The account now redirects to the target. `followersMove` when the move itself happened (a
   * local migration, a remote account's verified Move), not a redirect merely read from a
   * refetched actor: the local followers then follow the target, as Mastodon's MoveWorker has them.
   */
  accountMoved: defineEvent('events.accounts.account.moved', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object({ ...account, targetAccountId: id, followersMove: z.boolean().default(false) }),
  }),
  userDisabled: defineEvent('events.accounts.user.disabled', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(user),
  }),
  userEnabled: defineEvent('events.accounts.user.enabled', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(user),
  }),
  userApproved: defineEvent('events.accounts.user.approved', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(user),
  }),
  userConfirmed: defineEvent('events.accounts.user.confirmed', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(user),
  }),
  /**
   * A new local user may use the server: confirmed and approved for the first time, at sign-up or
   * later, in either order (Mastodon's `prepare_new_user!`, when staff hear of the sign-up).
   */
  userActivated: defineEvent('events.accounts.user.activated', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object(user),
  }),
  userRoleChanged: defineEvent('events.accounts.user_role.changed', {
    version: 1,
    aggregate: ofAccount,
    payload: z.object({ ...user, role, previousRole: role }),
  }),
};

/** What operators do to users and accounts: the CLI calls these, and so will the admin API. */
export const accountsAdmin = {
  createUser: defineRequest('accounts.user.create', {
    request: z.object({
      username: z.string().max(200),
      email: z.string().max(400),
      role: role.default('user'),
      confirmed: z.boolean().default(false),
    }),
    /** The generated password is shown once; only its hash is stored. */
    response: z.object({ user: adminUser, password: z.string() }),
  }),
  getUser: defineRequest('accounts.user.get', {
    request: z.object({ username: z.string().max(200) }),
    response: adminUser,
  }),
  /**
   * Local accounts whose users may manage users (Mastodon's `manage_users` permission: its
   * default Moderator and Admin roles), by account id after `after`: who hears of sign-ups.
   */
  listUserManagers: defineRequest('accounts.user_manager.list', {
    request: z.object({ after: id.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({ accountIds: z.array(id) }),
  }),
  /**
   * The roles of the local users among the accounts (remote accounts and unknown ids are left
   * out): whether a mention comes from staff, whom Mastodon's notification policy lets through.
   */
  getUserRoles: defineRequest('accounts.user_role.get', {
    request: z.object({ accountIds: z.array(id).min(1).max(200) }),
    response: z.object({ roles: z.array(z.object({ accountId: id, role })) }),
  }),
  listUsers: defineRequest('accounts.user.list', {
    request: z.object({}),
    response: z.object({ users: z.array(adminUser) }),
  }),
  modifyUser: defineRequest('accounts.user.modify', {
    request: z.object({
      userId: id,
      role: role.optional(),
      /** Marks the e-mail address confirmed and forgets a pending confirmation. */
      confirm: z.boolean().optional(),
      approve: z.boolean().optional(),
      /** true disables, false enables. */
      disabled: z.boolean().optional(),
    }),
    response: adminUser,
  }),
  suspendAccount: defineRequest('accounts.account.suspend', {
    request: z.object(account),
    response: z.object({ ...account, suspended: z.boolean() }),
  }),
  unsuspendAccount: defineRequest('accounts.account.unsuspend', {
    request: z.object(account),
    response: z.object({ ...account, suspended: z.boolean() }),
  }),
  silenceAccount: defineRequest('accounts.account.silence', {
    request: z.object(account),
    response: z.object({ ...account, silenced: z.boolean() }),
  }),
  unsilenceAccount: defineRequest('accounts.account.unsilence', {
    request: z.object(account),
    response: z.object({ ...account, silenced: z.boolean() }),
  }),
  /**
   * Applies an instance domain block (or its lifting: `severity` null) to the domain's accounts
   * now, as the `domain_block.changed` event does later; idempotent. Federation asks it so that an
   * operator's command has taken effect when it returns (a Follow arriving right after an
   * unblock finds its actor no longer suspended).
   */
  applyDomainBlock: defineRequest('accounts.domain_block.apply', {
    request: z.object({
      domain: z.string().min(1).max(300),
      severity: z.enum(['suspend', 'silence', 'noop']).nullable(),
      since: isoDate,
    }),
    response: z.object({ changed: z.number().int() }),
  }),
  deleteAccount: defineRequest('accounts.account.delete', {
    request: z.object(account),
    response: z.object(account),
  }),
  /**
   * A local account moves to another (`tootctl accounts migrate`): the target must name it among
   * its aliases (`alsoKnownAs`) unless forced. Federation tells the followers.
   */
  moveAccount: defineRequest('accounts.account.move', {
    request: z.object({ ...account, targetAccountId: id, force: z.boolean().default(false) }),
    response: z.object({ ...account, movedToAccountId: id }),
  }),
  events: accountEvents,
};
