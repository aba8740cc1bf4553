import { z } from 'zod';
import { defineRequest } from '../define';
import { accountRecord, credentialRecord, id, tokenGrant, visibility } from './records';

/**
 * The client API's reads of accounts: local and remote alike, except that local accounts whose
 * user has not confirmed its e-mail address or awaits approval are `missing`, as Mastodon answers
 * 404 for them (federation reads every account through `accounts.remote.*`).
 */
export const accountsProfiles = {
  getAccounts: defineRequest('accounts.account.get', {
    request: z.object({ ids: z.array(id).max(200) }),
    response: z.object({ accounts: z.array(accountRecord), missing: z.array(id) }),
  }),
  /** `user` or `user@<local domain>` for local accounts, `user@domain` for remote ones (any IDN spelling). */
  lookupAccounts: defineRequest('accounts.account.lookup', {
    request: z.object({ accts: z.array(z.string().max(400)).max(200) }),
    response: z.object({ accounts: z.array(accountRecord), missing: z.array(z.string()) }),
  }),
  getCredentials: defineRequest('accounts.credentials.get', {
    request: z.object({ accountId: id }),
    response: credentialRecord,
  }),
  updateCredentials: defineRequest('accounts.credentials.update', {
    request: z.object({
      accountId: id,
      displayName: z.string().optional(),
      note: z.string().optional(),
      locked: z.boolean().optional(),
      bot: z.boolean().optional(),
      discoverable: z.boolean().optional(),
      indexable: z.boolean().optional(),
      hideCollections: z.boolean().optional(),
      fields: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      privacy: visibility.optional(),
      sensitive: z.boolean().optional(),
      language: z.string().nullable().optional(),
      /** A profile image the media service stored (or null: none, the default shows). */
      avatarUrl: z.string().url().nullable().optional(),
      headerUrl: z.string().url().nullable().optional(),
      /** With a new animated image, its still first frame (the media service stored both). */
      avatarStaticUrl: z.string().url().nullable().optional(),
      headerStaticUrl: z.string().url().nullable().optional(),
      /** What the image shows (new or current one); removing the image removes it too. */
      avatarDescription: z.string().optional(),
      headerDescription: z.string().optional(),
    }),
    response: credentialRecord,
  }),
  authenticateToken: defineRequest('accounts.token.authenticate', {
    request: z.object({ token: z.string().max(512) }),
    response: z.object({ grant: tokenGrant.nullable() }),
  }),
};
