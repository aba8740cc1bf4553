import { z } from 'zod';
import { defineRequest } from '../define';
import { accountRecord, isoDate } from './records';

const count = z.number().int().min(0);

/**
 * What the accounts service knows about the instance as a whole: user counts for
 * `/api/v2/instance` and NodeInfo, known peers, weekly activity. The profile limits travel with the
 * counts so that what the gateway advertises is what the accounts service enforces.
 */
export const accountsInstance = {
  describeInstance: defineRequest('accounts.instance.describe', {
    request: z.object({}),
    response: z.object({
      users: z.object({
        /** Confirmed local users whose account is not suspended. */
        total: count,
        /** Of those, signed in within the last 4 weeks (Mastodon's "active month"). */
        activeMonth: count,
        /** Signed in within the last 24 weeks. */
        activeHalfyear: count,
      }),
      /** Distinct domains of known remote accounts. */
      domainCount: count,
      /** The first admin's account, Mastodon's `contact.account`; null when there is no admin. */
      contactAccount: accountRecord.nullable(),
      profileLimits: z.object({
        displayName: count,
        note: count,
        fields: count,
        fieldName: count,
        fieldValue: count,
        /** Of an avatar's or a header's description. */
        imageDescription: count,
      }),
    }),
  }),
  listPeers: defineRequest('accounts.instance_peers.list', {
    request: z.object({}),
    response: z.object({ domains: z.array(z.string()) }),
  }),
  getActivity: defineRequest('accounts.instance_activity.get', {
    request: z.object({ weeks: z.number().int().min(1).max(52) }),
    /** Newest week first; a week starts on Monday 00:00 UTC as in Rails' `beginning_of_week`. */
    response: z.object({
      weeks: z.array(z.object({ weekStart: isoDate, logins: count, registrations: count })),
    }),
  }),
};
