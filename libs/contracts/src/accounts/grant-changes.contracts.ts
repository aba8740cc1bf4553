import { z } from 'zod';

/**
 * What may narrow a token's grant, as the accounts schema's triggers tag it (ADR 0005): one token
 * (`t:<sha256 hex of the token>`), every token of a user (`u:<user id>`), or of an account
 * (`a:<account id>`).
 */
export const grantTag = z.string().regex(/^(t:[0-9a-f]{64}|[ua]:\d{1,20})$/, 'must be a grant tag');

/**
 * Broadcast on core NATS by every accounts replica each time it hears a grant change from
 * PostgreSQL, for whoever holds something a token was granted longer than one request (the
 * gateway's streaming sessions). Not an outboxed event: each replica hears each change, so it
 * arrives once per replica (receivers are idempotent), and one lost while the bus was down is made
 * good by the `everything` message sent whenever a replica starts hearing again, and by the
 * receiver's own slow re-check. `everything`: changes may have gone unheard, any grant may be
 * narrower.
 */
export const grantChangedMessage = z.union([
  z.object({ tag: grantTag }),
  z.object({ everything: z.literal(true) }),
]);
export type GrantChangedMessage = z.infer<typeof grantChangedMessage>;

/**
 * Its subject, under the deployment's NATS prefix. Outside `events.>`, which JetStream would keep:
 * this is a broadcast to every subscriber (no queue group), at most once.
 */
export const grantChangedSubject = 'broadcast.accounts.grant.changed';
