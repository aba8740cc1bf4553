import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate } from '../accounts/records';

/**
 * Where a relay subscription stands (Mastodon's Relay states): `pending` once our Follow is sent,
 * `accepted` or `rejected` by the relay's answer.
 */
export const relayState = z.enum(['pending', 'accepted', 'rejected']);
export type RelayState = z.infer<typeof relayState>;

/** One relay the instance subscribes to. */
export const relayRecord = z.object({
  id,
  /** The relay's inbox, where our Follow and public posts go. */
  inboxUrl: z.string(),
  state: relayState,
  /** The id of the Follow the instance actor sent it. */
  followActivityId: z.string(),
  /** The relay's actor, known once it answered. */
  actorUri: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type RelayRecord = z.infer<typeof relayRecord>;

/** An inbox URL as the operator gives it. */
const inboxUrl = z.string().trim().min(1).max(2048);

/**
 * The relays the instance follows with its instance actor (operators reach them through the CLI
 * now, the admin API later), kept and spoken to by federation. `invalid_request` for a URL that is
 * not an inbox this server may reach.
 */
export const federationRelays = {
  /** Subscribes: the Follow is sent and the relay is `pending`. `conflict` when it is known. */
  add: defineRequest('federation.relay.add', {
    request: z.object({ inboxUrl }).strict(),
    response: z.object({ relay: relayRecord }),
  }),
  /** Unsubscribes (the relay is sent Undo{Follow}) and forgets it; `not_found` when unknown. */
  remove: defineRequest('federation.relay.remove', {
    request: z.object({ inboxUrl }).strict(),
    response: z.object({}),
  }),
  /** Every relay, oldest first. */
  list: defineRequest('federation.relay.list', {
    request: z.object({}).strict(),
    response: z.object({ relays: z.array(relayRecord) }),
  }),
};
