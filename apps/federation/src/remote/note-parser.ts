import {
  MEDIA_LIMITS,
  REMOTE_EMOJI_LIMIT,
  REMOTE_MEDIA_LIMITS,
  type RemoteAttachment,
  type RemoteEmoji,
  type RemotePoll,
  type Visibility,
} from '@mammut/contracts';
import { escapeHtml } from '@mammut/platform';

/** Object types stored as statuses as they are. */
const FIRST_CLASS = ['Note', 'Question'];
/** Object types Mastodon converts: their name as a title, their summary, and a link to them. */
const CONVERTED = ['Article', 'Page', 'Image', 'Audio', 'Video', 'Event'];
/** The types a Create or Update of a status may carry. */
export const NOTE_TYPES: readonly string[] = [...FIRST_CLASS, ...CONVERTED];

const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public']);

/** Bounds of what is stored (the contract's): larger is refused, never cut mid-HTML. */
export const NOTE_LIMITS = { content: 500_000, spoilerText: 50_000, mentions: 200, tags: 100, uri: 2048 };

/** A Note (or converted object) as federation reads it, before its authors and mentions are resolved. */
export interface ParsedNote {
  id: string;
  type: string;
  attributedTo: string | null;
  /**
   * Its HTML page, http(s) only; else its id, as Mastodon stores a status without one (Misskey
   * and Pleroma notes name no page), so clients always have a link to open.
   */
  url: string;
  /** HTML as the peer wrote it (sanitized by the statuses service). */
  content: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  published: string;
  updated: string | null;
  inReplyTo: string | null;
  /** `to` and `cc`, the note's own, else the activity's. */
  to: string[];
  cc: string[];
  /** The `href` of each Mention tag, in order, once each. */
  mentions: string[];
  /** Hashtag names, normalised, once each. */
  tags: string[];
  /** A Question's poll; null for anything else, or a Question without a valid one. */
  poll: RemotePoll | null;
  /** Its custom emoji (Emoji tags, parseEmojiTags). */
  emojis: RemoteEmoji[];
  /** Its media (parseAttachments), at most four. */
  attachments: RemoteAttachment[];
}

const BASE83 = /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]+$/;
const BASE83_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

/**
 * Mastodon's check of a remote blurhash: base83 only, at most 5×5 components, and exactly as long
 * as its first character says (a string any client would choke on is dropped, the media kept).
 */
export function validBlurhash(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 6 || value.length > 100 || !BASE83.test(value))
    return false;
  const flag = BASE83_DIGITS.indexOf(value[0]);
  const x = (flag % 9) + 1;
  const y = Math.floor(flag / 9) + 1;
  return x <= 5 && y <= 5 && value.length === 4 + 2 * x * y;
}

/** Mastodon's attachment type from a remote media type; anything else shows as a link (`unknown`). */
function mediaTypeOf(contentType: string | null): RemoteAttachment['type'] {
  const major = contentType?.split('/')[0]?.toLowerCase();
  return major === 'image' || major === 'video' || major === 'audio' ? major : 'unknown';
}

/**
 * The media of a Note, as Mastodon's MediaAttachmentParser reads it: each item with an http(s) URL
 * (a string, a Link, or the first of a list), its type from `mediaType` (or the Link's), alt text
 * from `summary` else `name` (cut at 10,000 characters), a valid blurhash, a focal point within
 * -1..1, its size; the first four only.
 */
export function parseAttachments(value: unknown): RemoteAttachment[] {
  const found: RemoteAttachment[] = [];
  for (const item of asArray(value)) {
    if (found.length >= MEDIA_LIMITS.perStatus) break;
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const object = item as Json;
    const link = asArray(object.url)
      .map((entry) => (isHttpUrl(entry) ? { href: entry, mediaType: null } : entry))
      .find(
        (entry): entry is Json => !!entry && typeof entry === 'object' && isHttpUrl((entry as Json).href),
      );
    const remoteUrl = link?.href as string | undefined;
    if (!remoteUrl || remoteUrl.length > REMOTE_MEDIA_LIMITS.url) continue;
    const contentType = text(object.mediaType) ?? text(link?.mediaType);
    const description = (text(object.summary) || text(object.name) || '').slice(
      0,
      REMOTE_MEDIA_LIMITS.descriptionLength,
    );
    const point = Array.isArray(object.focalPoint) ? object.focalPoint : [];
    const [x, y] = point.map(Number);
    const dimension = (n: unknown): number | null =>
      typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 1_000_000 ? n : null;
    found.push({
      remoteUrl,
      type: mediaTypeOf(contentType),
      description: description || null,
      blurhash: validBlurhash(object.blurhash) ? object.blurhash : null,
      focus:
        point.length === 2 && [x, y].every((n) => Number.isFinite(n) && n >= -1 && n <= 1) ? { x, y } : null,
      width: dimension(object.width),
      height: dimension(object.height),
    });
  }
  return found;
}

/** Bounds of a remote poll kept: more options or longer ones and the Question is kept without it. */
export const POLL_BOUNDS = { options: 100, optionLength: 10_000, tally: 20_000_000, voters: 2_000_000_000 };

export type NoteParse =
  | { readonly ok: true; readonly note: ParsedNote }
  | { readonly ok: false; readonly error: string };

type Json = Record<string, unknown>;

const isHttpUrl = (value: unknown): value is string => {
  if (typeof value !== 'string' || value.length > NOTE_LIMITS.uri) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
};

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value == null ? [] : [value]);

const idOf = (value: unknown): string | null =>
  typeof value === 'string'
    ? value
    : value && typeof value === 'object' && typeof (value as Json).id === 'string'
      ? ((value as Json).id as string)
      : null;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.length > 0 ? value : null;

/** A `…Map` property's first value and its language, as Mastodon reads one. */
const firstOfMap = (value: unknown): { language: string; text: string } | null => {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const [entry] = Object.entries(value as Json);
  return entry && typeof entry[1] === 'string' ? { language: entry[0], text: entry[1] } : null;
};

/** A date Mastodon accepts: parseable, its year from 0 to 9999. */
const dateOf = (value: unknown): string | null => {
  if (typeof value !== 'string') return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return null;
  const year = new Date(time).getUTCFullYear();
  return year >= 0 && year <= 9999 ? new Date(time).toISOString() : null;
};

/** `url` as a string, an array, or Link objects; the text/html one preferred, http(s) only. */
export const urlOf = (value: unknown): string | null => {
  const links = asArray(value).flatMap((item): { href: string; html: boolean }[] => {
    if (isHttpUrl(item)) return [{ href: item, html: false }];
    if (!item || typeof item !== 'object') return [];
    const link = item as Json;
    const href = link.href ?? link.url;
    return isHttpUrl(href) ? [{ href, html: link.mediaType === 'text/html' }] : [];
  });
  return (links.find((link) => link.html) ?? links[0])?.href ?? null;
};

/** Mastodon's shortcode (CustomEmoji::SHORTCODE_RE_FRAGMENT), bounded as the contract bounds it. */
const SHORTCODE = /^[a-zA-Z0-9_]{2,100}$/;

/**
 * The custom emoji among an object's `tag`s, read as Mastodon's CustomEmojiParser reads one: an
 * `Emoji` whose `name` less its colons is a shortcode and whose `icon` (an Image, or the first of
 * several) has an http(s) `url` on any host. Anything else is skipped, not refused: the object
 * stands without it. The first of a repeated shortcode counts; at most REMOTE_EMOJI_LIMIT are kept
 * (more is no honest object: Mastodon sends the ones used).
 */
export function parseEmojiTags(tag: unknown): RemoteEmoji[] {
  const tags = Array.isArray(tag) ? tag : tag && typeof tag === 'object' ? [tag] : [];
  const found = new Map<string, RemoteEmoji>();
  for (const item of tags) {
    if (found.size >= REMOTE_EMOJI_LIMIT) break;
    if (!item || typeof item !== 'object') continue;
    const emoji = item as Record<string, unknown>;
    if (emoji.type !== 'Emoji' || typeof emoji.name !== 'string') continue;
    const shortcode = emoji.name.replaceAll(':', '');
    if (!SHORTCODE.test(shortcode) || found.has(shortcode)) continue;
    const icon: unknown = Array.isArray(emoji.icon) ? emoji.icon[0] : emoji.icon;
    const url = icon && typeof icon === 'object' ? urlOf((icon as Record<string, unknown>).url) : null;
    if (url) found.set(shortcode, { shortcode, url });
  }
  return [...found.values()];
}

/** Mastodon's hashtag normalisation: ASCII folding, lower case, only word characters kept. */
export function normalizeHashtag(name: string): string {
  return name
    .replace(/^#/, '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_]/gu, '');
}

const strings = (value: unknown): string[] =>
  asArray(value).flatMap((item) => {
    const id = idOf(item);
    return id ? [id] : [];
  });

/** A count a peer sends: a non-negative integer, at most `max`; anything else 0 (null if `nullable`). */
function countOf(value: unknown, max: number): number;
function countOf(value: unknown, max: number, nullable: true): number | null;
function countOf(value: unknown, max: number, nullable = false): number | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return nullable ? null : 0;
  return Math.min(value, max);
}

/**
 * A Question's poll as Mastodon's PollParser reads it: the options of `oneOf`, else of `anyOf`
 * (then multiple-choice), each its `name` (else its `content`) with `replies.totalItems` votes;
 * it ends at `closed` (a date, or now for any other truthy value), else at `endTime`, else never.
 * Null when there are no options, or more or longer ones than POLL_BOUNDS.
 */
export function parsePoll(object: Json, now = new Date()): RemotePoll | null {
  if (object.type !== 'Question') return null;
  const multiple = !Array.isArray(object.oneOf) && Array.isArray(object.anyOf);
  const items = multiple ? object.anyOf : object.oneOf;
  if (!Array.isArray(items)) return null;
  const options = items.flatMap((item): { name: string; votes: number }[] => {
    if (!item || typeof item !== 'object') return [];
    const option = item as Json;
    const name = text(option.name) ?? text(option.content);
    const replies = option.replies && typeof option.replies === 'object' ? (option.replies as Json) : {};
    return name ? [{ name, votes: countOf(replies.totalItems, POLL_BOUNDS.tally) }] : [];
  });
  if (!options.length || options.length > POLL_BOUNDS.options) return null;
  if (options.some((option) => option.name.length > POLL_BOUNDS.optionLength)) return null;
  const closed = object.closed;
  const expiresAt =
    typeof closed === 'string'
      ? dateOf(closed)
      : closed !== undefined && closed !== null && closed !== false
        ? now.toISOString()
        : dateOf(object.endTime);
  return {
    options: options.map((option) => option.name),
    tallies: options.map((option) => option.votes),
    multiple,
    expiresAt,
    votersCount: countOf(object.votersCount, POLL_BOUNDS.voters, true),
  };
}

/** A vote on a poll as a remote server sends it (Mastodon's VoteSerializer). */
export interface ParsedVote {
  id: string;
  /** The option's title. */
  name: string;
  /** The poll's status. */
  inReplyTo: string;
  attributedTo: string | null;
  /** `to` and `cc`: the poll's author should be among them. */
  addressed: string[];
}

/**
 * Whether an object is a vote, as Mastodon tells one from a reply: a Note with a `name` and no
 * content, in reply to a status. Whether it names an option of a poll there is the poll's business.
 */
export function parseVote(value: unknown): ParsedVote | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const object = value as Json;
  const name = text(object.name);
  const inReplyTo = idOf(object.inReplyTo);
  if (object.type !== 'Note' || !name || name.length > POLL_BOUNDS.optionLength) return null;
  if (text(object.content) ?? firstOfMap(object.contentMap)?.text) return null;
  if (!isHttpUrl(object.id) || !isHttpUrl(inReplyTo)) return null;
  return {
    id: object.id,
    name,
    inReplyTo,
    attributedTo: strings(object.attributedTo)[0] ?? null,
    addressed: [...new Set([...strings(object.to), ...strings(object.cc)])].slice(0, NOTE_LIMITS.mentions),
  };
}

/**
 * Reads a Note as Mastodon's StatusParser does: Note and Question as they are, Article, Page,
 * Image, Audio, Video and Event converted (title, summary and a link, no content warning);
 * content else the first of contentMap; summary else summaryMap; the language from the first key
 * of contentMap, nameMap or summaryMap; published only with a sane year (else `now`); url a http(s)
 * link, else the id; Mention hrefs, Hashtag names and Emoji from `tag`; a Question's poll (parsePoll). `to`/`cc` fall back to the activity's. Refused:
 * another type, an id that is not http(s), what exceeds NOTE_LIMITS, and a note with nothing to show
 * (neither content, summary nor poll).
 */
export function parseNote(value: unknown, activity: Json = {}, now = new Date()): NoteParse {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, error: 'not an object' };
  const object = value as Json;
  const type = typeof object.type === 'string' ? object.type : '';
  if (!NOTE_TYPES.includes(type)) return { ok: false, error: `not a note type: ${type}` };
  if (!isHttpUrl(object.id)) return { ok: false, error: 'id is not an http(s) URL' };
  const id = object.id;
  const url = urlOf(object.url) ?? id;
  const contentMap = firstOfMap(object.contentMap);
  const summaryMap = firstOfMap(object.summaryMap);
  const nameMap = firstOfMap(object.nameMap);
  const summary = text(object.summary) ?? summaryMap?.text ?? '';
  let content: string;
  let spoilerText: string;
  if (CONVERTED.includes(type)) {
    const title = text(object.name) ?? nameMap?.text;
    content = [title, summary || null]
      .flatMap((part) => (part ? [`<p>${escapeHtml(part)}</p>`] : []))
      .concat(`<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`)
      .join('');
    spoilerText = '';
  } else {
    content = text(object.content) ?? contentMap?.text ?? '';
    spoilerText = summary;
    const quote = [object.quote, object._misskey_quote, object.quoteUrl, object.quoteUri]
      .map(idOf)
      .find(isHttpUrl);
    // A quote shows as a link to it, as Mastodon's fallback for quotes it cannot render.
    if (quote && !content.includes(quote))
      content += `<p class="quote-inline">RE: <a href="${escapeHtml(quote)}">${escapeHtml(quote)}</a></p>`;
  }
  if (content.length > NOTE_LIMITS.content) return { ok: false, error: 'content too large' };
  if (spoilerText.length > NOTE_LIMITS.spoilerText) return { ok: false, error: 'summary too large' };
  const poll = parsePoll(object, now);
  const attachments = parseAttachments(object.attachment);
  if (!content.trim() && !spoilerText.trim() && !poll && !attachments.length)
    return { ok: false, error: 'nothing to show' };
  const tags = asArray(object.tag).filter((tag): tag is Json => !!tag && typeof tag === 'object');
  const mentions = tags.flatMap((tag) => (tag.type === 'Mention' && isHttpUrl(tag.href) ? [tag.href] : []));
  const hashtags = tags.flatMap((tag) =>
    tag.type === 'Hashtag' && typeof tag.name === 'string' ? [normalizeHashtag(tag.name)] : [],
  );
  const ownAddress = object.to !== undefined || object.cc !== undefined;
  const inReplyTo = idOf(object.inReplyTo);
  return {
    ok: true,
    note: {
      id,
      type,
      attributedTo: strings(object.attributedTo)[0] ?? null,
      url,
      content,
      spoilerText,
      sensitive: object.sensitive === true,
      language: contentMap?.language ?? nameMap?.language ?? summaryMap?.language ?? null,
      published: dateOf(object.published) ?? now.toISOString(),
      updated: dateOf(object.updated),
      inReplyTo: isHttpUrl(inReplyTo) ? inReplyTo : null,
      to: strings(ownAddress ? object.to : activity.to),
      cc: strings(ownAddress ? object.cc : activity.cc),
      mentions: [...new Set(mentions)].slice(0, NOTE_LIMITS.mentions),
      tags: [...new Set(hashtags)]
        .filter((tag) => tag.length > 0 && tag.length <= 100)
        .slice(0, NOTE_LIMITS.tags),
      poll,
      emojis: parseEmojiTags(object.tag),
      attachments,
    },
  };
}

/**
 * Mastodon's inbound visibility: Public in `to` is public, in `cc` unlisted; the author's
 * followers collection in `to` is private; anything else direct (Mastodon's "limited", a silent
 * mention, is direct here).
 */
export function visibilityOf(note: ParsedNote, followersUrl: string | null): Visibility {
  if (note.to.some((uri) => PUBLIC.has(uri))) return 'public';
  if (note.cc.some((uri) => PUBLIC.has(uri))) return 'unlisted';
  if (followersUrl && note.to.includes(followersUrl)) return 'private';
  return 'direct';
}
