import type { AccountRecord, CredentialRecord, ProfileField, RelationshipRecord } from '@mammut/contracts';
import type { SerializeContext } from './context';
import type { MAccount, MCredentialAccount, MField, MPreferences, MRelationship, MRole } from './entities';

const midnight = (iso: string): string => `${iso.slice(0, 10)}T00:00:00.000Z`;

export const missingAvatar = (ctx: SerializeContext): string => `${ctx.origin}/avatars/original/missing.png`;
export const missingHeader = (ctx: SerializeContext): string => `${ctx.origin}/headers/original/missing.png`;

export function localAccountUrl(ctx: SerializeContext, username: string): string {
  return `${ctx.origin}/@${username}`;
}

const field = (f: ProfileField): MField => ({ name: f.name, value: f.value, verified_at: f.verifiedAt });

export function serializeAccount(account: AccountRecord, ctx: SerializeContext): MAccount {
  const avatar = account.avatarUrl ?? missingAvatar(ctx);
  const header = account.headerUrl ?? missingHeader(ctx);
  const base: MAccount = {
    id: account.id,
    username: account.username,
    // `user` for local accounts, `user@domain` for remote ones (the domain as stored: punycode).
    acct: account.domain ? `${account.username}@${account.domain}` : account.username,
    // A remote account without a profile page shows its actor id, as Mastodon's url_for does.
    url: account.url ?? (account.domain ? account.uri : localAccountUrl(ctx, account.username)),
    uri: account.uri,
    display_name: account.displayName,
    note: account.note,
    avatar,
    avatar_static: avatar,
    avatar_description: '',
    header,
    header_static: header,
    header_description: '',
    locked: account.locked,
    bot: account.bot,
    group: account.group,
    discoverable: account.discoverable,
    indexable: account.indexable,
    hide_collections: account.hideCollections,
    noindex: account.domain ? null : !account.indexable,
    fields: account.fields.map(field),
    emojis: [],
    roles: [],
    created_at: midnight(account.createdAt),
    last_status_at: account.lastStatusAt ? account.lastStatusAt.slice(0, 10) : null,
    statuses_count: account.statusesCount,
    followers_count: account.followersCount,
    following_count: account.followingCount,
  };
  if (account.memorial) base.memorial = true;
  if (account.limited) base.limited = true;
  if (account.suspended) {
    // A suspended account shows up blanked, as Mastodon does.
    return {
      ...base,
      suspended: true,
      display_name: '',
      note: '',
      fields: [],
      avatar: missingAvatar(ctx),
      avatar_static: missingAvatar(ctx),
      header: missingHeader(ctx),
      header_static: missingHeader(ctx),
      statuses_count: 0,
      followers_count: 0,
      following_count: 0,
    };
  }
  return base;
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
  return {
    ...account,
    roles: role.highlighted ? [{ id: role.id, name: role.name, color: role.color }] : [],
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
  };
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
