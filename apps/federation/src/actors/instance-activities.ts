import { ACTIVITY_STREAMS, PUBLIC_COLLECTION } from '../notes/note-documents';

/**
 * What the instance actor sends in its own name, in Mastodon's shapes: the Follow of the public
 * collection that subscribes to a relay and its Undo (Relay#follow_activity, #unfollow_activity),
 * and the Flag that forwards a report (ActivityPub::FlagSerializer), which names the reported
 * account first, then its statuses, and carries the comment as content.
 */
export function relayFollowOf(instanceActorId: string, followId: string): Record<string, unknown> {
  return {
    '@context': ACTIVITY_STREAMS,
    id: followId,
    type: 'Follow',
    actor: instanceActorId,
    object: PUBLIC_COLLECTION,
  };
}

export function relayUnfollowOf(instanceActorId: string, followId: string): Record<string, unknown> {
  return {
    '@context': ACTIVITY_STREAMS,
    id: `${followId}/undo`,
    type: 'Undo',
    actor: instanceActorId,
    object: relayFollowOf(instanceActorId, followId),
  };
}

export function flagOf(flag: {
  id: string;
  instanceActorId: string;
  comment: string;
  accountUri: string;
  statusUris: readonly string[];
}): Record<string, unknown> {
  return {
    '@context': ACTIVITY_STREAMS,
    id: flag.id,
    type: 'Flag',
    actor: flag.instanceActorId,
    content: flag.comment,
    object: [flag.accountUri, ...flag.statusUris],
  };
}
