import { z } from 'zod';
import { id } from '../accounts/records';
import { notificationRecord } from './notifications.contracts';

/**
 * What the timelines service publishes for live streams, on core NATS (at most once, no replay:
 * a client that reconnects reads the REST timelines). The gateway presents each message to each
 * connected viewer through the same rules as the REST API before sending anything.
 */
export const streamMessage = z.discriminatedUnion('event', [
  z.object({ event: z.literal('update'), statusId: id }),
  /** A status was edited: presented like `update`, sent as Mastodon's `status.update`. */
  z.object({ event: z.literal('status.update'), statusId: id }),
  z.object({ event: z.literal('delete'), statusId: id }),
  z.object({ event: z.literal('notification'), notification: notificationRecord }),
  /** A direct status reached the conversation of the stream's account that holds it (`direct` streams). */
  z.object({ event: z.literal('conversation'), statusId: id }),
  /** The stream's account changed its filters (`user` streams): sent without a payload. */
  z.object({ event: z.literal('filters_changed') }),
]);
export type StreamMessage = z.infer<typeof streamMessage>;

/** The stream subjects, under the deployment's NATS prefix. */
export const streamSubjects = {
  user: (accountId: string): string => `stream.user.${accountId}`,
  list: (listId: string): string => `stream.list.${listId}`,
  /** A hashtag's public statuses (its normalized name), from everywhere or from this server only. */
  hashtag: (tag: string): string => `stream.hashtag.${tag}`,
  hashtagLocal: (tag: string): string => `stream.hashtag.local.${tag}`,
  direct: (accountId: string): string => `stream.direct.${accountId}`,
  public: 'stream.public',
  publicLocal: 'stream.public.local',
  publicRemote: 'stream.public.remote',
} as const;
