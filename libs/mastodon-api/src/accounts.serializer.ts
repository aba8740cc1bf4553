import type { AccountRecord, CredentialRecord, ProfileField, RelationshipRecord } from '@mammut/contracts';
import type { SerializeContext } from './context';
import { serializeEmojis } from './emojis.serializer';
import type {
  MAccount,
  MCredentialAccount,
  MCustomEmoji,
  MField,
  MPreferences,
  MRelationship,
  MRole,
} from './entities';

const midnight = (iso: string): string => `${iso.slice(0, 10)}T00:00:00.000Z`;

export const missingAvatar = (ctx: SerializeContext): string => `${ctx.origin}/avatars/original/missing.png`;
export const missingHeader = (ctx: SerializeContext): string => `${ctx.origin}/headers/original/missing.png`;

export function localAccountUrl(ctx: SerializeContext, username: string): string {
  return `${ctx.origin}/@${username}`;
}

const field = (f: ProfileField): MField => ({ name: f.name, value: f.value, verified_at: f.verifiedAt });

/** The custom emoji its display name, note and fields use (Mastodon's Account#emojis). */
function accountEmojis(account: AccountRecord): MCustomEmoji[] {
  // Absent in a record cached before emoji were stored.
  const emojis: AccountRecord['emojis'] | undefined = account.emojis;
  if (!emojis?.length) return [];
  const texts = [account.displayName, account.note, ...account.fields.flatMap((f) => [f.name, f.value])];
  return serializeEmojis(emojis, texts);
}

/**
 * Built as one literal in a fixed order, never by spreading: an account is serialized on most API
 * requests, and objects made by spreading thirty keys are slow to build and to stringify.
 */
export function serializeAccount(account: AccountRecord, ctx: SerializeContext): MAccount {
  // A suspended account shows up blanked, as Mastodon does.
  const blank = account.suspended;
  const avatar = blank ? missingAvatar(ctx) : (account.avatarUrl ?? missingAvatar(ctx));
  const header = blank ? missingHeader(ctx) : (account.headerUrl ?? missingHeader(ctx));
  const serialized: MAccount = {
    id: account.id,
    username: account.username,
    // `user` for local accounts, `user@domain` for remote ones (the domain as stored: punycode).
    acct: account.domain ? `${account.username}@${account.domain}` : account.username,
    // A remote account without a profile page shows its actor id, as Mastodon's url_for does.
    url: account.url ?? (account.domain ? account.uri : localAccountUrl(ctx, account.username)),
    uri: account.uri,
    display_name: blank ? '' : account.displayName,
    note: blank ? '' : account.note,
    avatar,
    avatar_static: (!blank && account.avatarStaticUrl) || avatar,
    avatar_description: blank ? '' : (account.avatarDescription ?? ''),
    header,
    header_static: (!blank && account.headerStaticUrl) || header,
    header_description: blank ? '' : (account.headerDescription ?? ''),
    locked: account.locked,
    bot: account.bot,
    group: account.group,
    discoverable: account.discoverable,
    indexable: account.indexable,
    hide_collections: account.hideCollections,
    noindex: account.domain ? null : !account.indexable,
    fields: blank ? [] : account.fields.map(field),
    emojis: blank ? [] : accountEmojis(account),
    roles: [],
    created_at: midnight(account.createdAt),
    last_status_at: account.lastStatusAt ? account.lastStatusAt.slice(0, 10) : null,
    statuses_count: blank ? 0 : account.statusesCount,
    followers_count: blank ? 0 : account.followersCount,
    following_count: blank ? 0 : account.followingCount,
  };
  if (account.memorial) serialized.memorial = true;
  if (account.limited) serialized.limited = true;
  if (blank) serialized.suspended = true;
  return serialized;
}

const roles: Record<CredentialRecord['role'], MRole> = {
  user: { id: '-99', name: '', color: '', permissions: '65536', highlighted: false },
  moderator: { id: '1', name: 'Moderator', color: '', permissions: '1308', highlighted: true },
  admin: { id: '2', name: 'Admin', color: '', permissions: '1048575', highlighted: true },
};

export function serializeRole(role: CredentialRecord['role']): MRole {
  return roles[role];
}

export function serializeCredentialAccount(
  credentials: CredentialRecord,
  ctx: SerializeContext,
): MCredentialAccount {
  const account = serializeAccount(credentials.account, ctx);
  const role = serializeRole(credentials.role);
  if (role.highlighted) account.roles = [{ id: role.id, name: role.name, color: role.color }];
  return Object.assign(account, {
    source: {
      privacy: credentials.privacy,
      sensitive: credentials.sensitive,
      language: credentials.language,
      note: credentials.account.noteSource,
      fields: credentials.account.fields.map((f) => ({
        name: f.name,
        value: f.valueSource,
        verified_at: f.verifiedAt,
      })),
      follow_requests_count: credentials.followRequestsCount,
      hide_collections: credentials.account.hideCollections,
      discoverable: credentials.account.discoverable,
      indexable: credentials.account.indexable,
      attribution_domains: [],
    },
    role,
  });
}

export function serializePreferences(credentials: CredentialRecord): MPreferences {
  return {
    'posting:default:visibility': credentials.privacy,
    'posting:default:sensitive': credentials.sensitive,
    'posting:default:language': credentials.language,
    'posting:default:quote_policy': 'public',
    'reading:expand:media': credentials.expandMedia,
    'reading:expand:spoilers': credentials.expandSpoilers,
  };
}

export function serializeRelationship(r: RelationshipRecord): MRelationship {
  return {
    id: r.id,
    following: r.following,
    showing_reblogs: r.showingReblogs,
    notifying: r.notifying,
    languages: r.languages,
    followed_by: r.followedBy,
    blocking: r.blocking,
    blocked_by: r.blockedBy,
    muting: r.muting,
    muting_notifications: r.mutingNotifications,
    muting_expires_at: r.mutingExpiresAt,
    requested: r.requested,
    requested_by: r.requestedBy,
    domain_blocking: r.domainBlocking,
    endorsed: r.endorsed,
    note: r.note,
  };
}
