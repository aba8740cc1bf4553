import { createPublicKey } from 'node:crypto';
import type { ActorType, ProfileField, RemoteActorDescription, RemoteEmoji } from '@mammut/contracts';
import { sanitizeRichText } from '@mammut/platform';
import { Validation } from '../profiles/validation';
import { asciiDomain, httpUrl } from './domains';

/** Mastodon's remote usernames (`Account::USERNAME_RE`): dots and dashes inside, never at the ends. */
const REMOTE_USERNAME = /^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$/i;

/** What the accounts row of a remote actor holds, checked and normalised. */
export interface RemoteActorRow {
  readonly uri: string;
  readonly username: string;
  readonly domain: string;
  readonly actorType: ActorType;
  readonly bot: boolean;
  readonly group: boolean;
  readonly url: string;
  readonly displayName: string;
  readonly noteHtml: string;
  readonly fields: ProfileField[];
  readonly emojis: RemoteEmoji[];
  readonly avatarRemoteUrl: string | null;
  readonly headerRemoteUrl: string | null;
  readonly inboxUrl: string;
  readonly sharedInboxUrl: string | null;
  readonly outboxUrl: string | null;
  readonly followersUrl: string | null;
  readonly followingUrl: string | null;
  readonly featuredCollectionUrl: string | null;
  readonly publicKey: string | null;
  readonly publicKeyId: string | null;
  readonly alsoKnownAs: string[];
  readonly movedToUri: string | null;
  readonly createdAt: Date | null;
  readonly fetchedAt: Date;
  readonly webfingeredAt: Date | null;
}

/**
 * Checks that a description names a remote account consistently and normalises it: the domain is
 * a domain and not this server's; the uri is http(s) on that domain's host (another host only when
 * WebFinger confirmed the handle, as for split-domain servers); the username is one Mastodon
 * accepts; every URL is http(s); the key parses as a public key. URLs are kept exactly as given
 * (activities name them by string); HTML is sanitized; the profile URL gives way to the uri when
 * it leaves the actor's host, as Mastodon does.
 */
export function checkRemoteActor(input: RemoteActorDescription, localDomain: string): RemoteActorRow {
  const v = new Validation();
  const domain = asciiDomain(input.domain);
  const uri = httpUrl(input.uri);
  const local = asciiDomain(localDomain);
  if (!domain) v.add('domain', 'ERR_INVALID', 'Domain is not a valid domain name');
  else if (domain === local) v.add('domain', 'ERR_INVALID', 'Domain is this server: not a remote account');
  if (!uri) v.add('uri', 'ERR_INVALID', 'URI is not an http(s) URL');
  else if (uri.host === local) v.add('uri', 'ERR_INVALID', 'URI is on this server: not a remote account');
  else if (domain && uri.host !== domain && input.webfingeredAt === undefined) {
    v.add('uri', 'ERR_INVALID', 'URI is not on the account domain and WebFinger did not confirm it');
  }
  if (!REMOTE_USERNAME.test(input.username)) v.add('username', 'ERR_INVALID', 'Username is not valid');

  const optionalUrl = (field: string, value: string | null): string | null => {
    if (value === null) return null;
    if (httpUrl(value)) return value;
    v.add(field, 'ERR_INVALID', `${field} is not an http(s) URL`);
    return null;
  };
  const inboxUrl = optionalUrl('inbox_url', input.inboxUrl);
  // An emoji whose image is no http(s) URL is dropped, not refused: the profile stands without it.
  const emojis = input.emojis.filter((emoji) => httpUrl(emoji.url) !== null);
  const row = {
    sharedInboxUrl: optionalUrl('shared_inbox_url', input.sharedInboxUrl),
    outboxUrl: optionalUrl('outbox_url', input.outboxUrl),
    followersUrl: optionalUrl('followers_url', input.followersUrl),
    followingUrl: optionalUrl('following_url', input.followingUrl),
    featuredCollectionUrl: optionalUrl('featured_collection_url', input.featuredCollectionUrl),
    avatarRemoteUrl: optionalUrl('avatar_remote_url', input.avatarRemoteUrl),
    headerRemoteUrl: optionalUrl('header_remote_url', input.headerRemoteUrl),
    publicKeyId: optionalUrl('public_key_id', input.publicKeyId),
    movedToUri: optionalUrl('moved_to', input.movedToUri),
    alsoKnownAs: [...new Set(input.alsoKnownAs.map((alias) => optionalUrl('also_known_as', alias)))].filter(
      (alias): alias is string => alias !== null,
    ),
  };
  if (input.publicKey !== null && !isPublicKey(input.publicKey)) {
    v.add('public_key', 'ERR_INVALID', 'Public key is not a PEM public key');
  }
  if ((input.publicKey === null) !== (input.publicKeyId === null)) {
    v.add('public_key', 'ERR_INVALID', 'Public key and its id come together');
  }
  const date = (field: string, value: string | null | undefined): Date | null => {
    if (value === null || value === undefined) return null;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime())) v.add(field, 'ERR_INVALID', `${field} is not a date`);
    return parsed;
  };
  const createdAt = date('published', input.published);
  const fetchedAt = date('fetched_at', input.fetchedAt) ?? new Date();
  const webfingeredAt = date('webfingered_at', input.webfingeredAt);
  const fieldDates = input.fields.map((field) => date('fields', field.verifiedAt));
  for (const [label, text] of [
    ['username', input.username],
    ['display_name', input.displayName],
    ['note', input.note],
    ...input.fields.flatMap((field) => [
      ['fields', field.name],
      ['fields', field.value],
    ]),
  ]) {
    v.noNul(label, label, text);
  }
  v.throwIfInvalid();

  const profile = httpUrl(input.url ?? '');
  return {
    ...row,
    // Ids are compared as strings with what the remote server sends: stored exactly as given.
    uri: input.uri,
    username: input.username,
    domain: domain as string,
    actorType: input.actorType,
    bot: input.actorType === 'Service' || input.actorType === 'Application',
    group: input.actorType === 'Group',
    url: input.url !== null && profile && profile.host === uri?.host ? input.url : input.uri,
    displayName: input.displayName,
    noteHtml: sanitizeRichText(input.note),
    // Remote fields have no source text: what the owner typed stays on their server.
    fields: input.fields.map((field, index) => ({
      name: field.name.trim(),
      value: sanitizeRichText(field.value),
      valueSource: '',
      verifiedAt: fieldDates[index]?.toISOString() ?? null,
    })),
    emojis,
    inboxUrl: inboxUrl as string,
    publicKey: input.publicKey,
    createdAt,
    fetchedAt,
    webfingeredAt,
  };
}

function isPublicKey(pem: string): boolean {
  try {
    return pem.includes('PUBLIC KEY') && createPublicKey(pem).type === 'public';
  } catch {
    return false;
  }
}
