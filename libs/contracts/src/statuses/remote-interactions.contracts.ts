import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, visibility } from '../accounts/records';
import { statusRecord } from './statuses.contracts';

const uri = z.string().min(1).max(2048);

/**
 * What federation records for remote accounts acting on statuses here. Favourites of remote
 * accounts go through `statuses.favourite.*` as they are; a reblog is different, since a remote
 * one keeps the id its server gave it (the Announce) and the visibility its addressing says.
 */
export const statusesRemoteInteractions = {
  /**
   * A remote account's reblog (an Announce named `uri`) of a status shared with everyone (public
   * or unlisted), as Mastodon stores one: the same Announce twice, or a second one of the same
   * status, answers the reblog there is (`created` false). `not_found` for a status that is gone
   * or is itself a reblog; `unprocessable` for a status that cannot be shared; `conflict` when
   * `uri` names another status already.
   */
  saveRemoteReblog: defineRequest('statuses.remote_reblog.save', {
    request: z.object({
      accountId: id,
      uri,
      statusId: id,
      visibility,
      /** The Announce's `published`; absent or in the future: now. */
      published: isoDate.nullable(),
    }),
    response: z.object({ reblog: statusRecord, created: z.boolean() }),
  }),
  /** Withdraws the reblog `uri` names, if it is the account's (an Undo of the Announce). */
  deleteRemoteReblog: defineRequest('statuses.remote_reblog.delete', {
    request: z.object({ accountId: id, uri }),
    response: z.object({ deleted: z.boolean() }),
  }),
  /**
   * A remote account's pin (an Add to its featured collection) of its own status `uri`, as
   * Mastodon records one: any but a direct status or a reblog, without the local limit. `statusId`
   * is null when `uri` names no live status of the account here (nothing is recorded).
   */
  saveRemotePin: defineRequest('statuses.remote_pin.save', {
    request: z.object({ accountId: id, uri }),
    response: z.object({ statusId: id.nullable() }),
  }),
  /** Its unpin (a Remove from the featured collection); `statusId` as for saveRemotePin. */
  deleteRemotePin: defineRequest('statuses.remote_pin.delete', {
    request: z.object({ accountId: id, uri }),
    response: z.object({ statusId: id.nullable() }),
  }),
};
