import { streamSubjects } from '@mammut/contracts';
import { hashtagName } from '@mammut/platform';

/** A stream a socket can subscribe to: its Mastodon name, the NATS subject it reads, its rules. */
export interface StreamSpec {
  readonly name: string;
  readonly subject: string;
  /** Which rules statuses on it pass: a home feed's or a public timeline's. */
  readonly context: 'home' | 'public';
  /** Which events it carries (`conversations`: the `direct` stream's). */
  readonly events: 'all' | 'notifications' | 'statuses' | 'conversations';
  /** The scopes one of which the token needs. */
  readonly scopes: readonly string[];
  /** What its events are labelled with, when more than its name (`["list", "<id>"]`). */
  readonly stream?: readonly string[];
  /** A list's stream: the gateway checks the list is the viewer's before subscribing. */
  readonly listId?: string;
  /** A `:media` variant: only statuses with media attachments (deletions all pass). */
  readonly onlyMedia?: boolean;
}

/** What a subscription names besides the stream (`{"stream": "list", "list": "<id>"}`, `"tag": "cats"`). */
export interface StreamParams {
  readonly list?: string;
  readonly tag?: string;
}

/** What a subscription names besides the stream, from a WebSocket message or a query string. */
export const paramsOf = (source: { list?: unknown; tag?: unknown }): StreamParams => ({
  ...(typeof source.list === 'string' ? { list: source.list } : {}),
  ...(typeof source.tag === 'string' ? { tag: source.tag } : {}),
});

/** The key of a subscription on one socket: one per stream and list or hashtag. */
export function streamKey(name: string, params: StreamParams): string {
  if (name === 'list' && params.list !== undefined) return `list:${params.list}`;
  if (name.startsWith('hashtag') && params.tag !== undefined)
    return `${name}:${hashtagName(params.tag) ?? ''}`;
  return name;
}

/** The streams Mammut serves today, for the viewer `accountId`; undefined for an unknown name. */
export function streamSpec(
  name: string,
  accountId: string,
  params: StreamParams = {},
): StreamSpec | undefined {
  const statuses = ['read:statuses'];
  // `public:media`, `public:local:media`, `public:remote:media`: the public stream, media only.
  const media = /^(public(?::local|:remote)?):media$/.exec(name);
  if (media) {
    const plain = streamSpec(media[1], accountId, params);
    return plain && { ...plain, name, onlyMedia: true };
  }
  switch (name) {
    case 'user':
      return {
        name,
        subject: streamSubjects.user(accountId),
        context: 'home',
        events: 'all',
        scopes: statuses,
      };
    case 'user:notification':
      return {
        name,
        subject: streamSubjects.user(accountId),
        context: 'home',
        events: 'notifications',
        scopes: ['read:notifications'],
      };
    case 'public':
      return {
        name,
        subject: streamSubjects.public,
        context: 'public',
        events: 'statuses',
        scopes: statuses,
      };
    case 'public:local':
      return {
        name,
        subject: streamSubjects.publicLocal,
        context: 'public',
        events: 'statuses',
        scopes: statuses,
      };
    case 'public:remote':
      return {
        name,
        subject: streamSubjects.publicRemote,
        context: 'public',
        events: 'statuses',
        scopes: statuses,
      };
    case 'direct':
      return {
        name,
        subject: streamSubjects.direct(accountId),
        context: 'home',
        events: 'conversations',
        scopes: statuses,
      };
    case 'list':
      if (params.list === undefined || !/^\d{1,19}$/.test(params.list)) return undefined;
      return {
        name,
        subject: streamSubjects.list(params.list),
        context: 'home',
        events: 'statuses',
        scopes: ['read:lists'],
        stream: [name, params.list],
        listId: params.list,
      };
    case 'hashtag':
    case 'hashtag:local': {
      const tag = params.tag === undefined ? null : hashtagName(params.tag);
      if (tag === null) return undefined;
      return {
        name,
        subject: name === 'hashtag' ? streamSubjects.hashtag(tag) : streamSubjects.hashtagLocal(tag),
        context: 'public',
        events: 'statuses',
        scopes: statuses,
        // Labelled with the tag as the client spelled it, as Mastodon's streaming server does.
        stream: [name, params.tag as string],
      };
    }
    default:
      return undefined;
  }
}
