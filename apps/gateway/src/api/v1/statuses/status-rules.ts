import type { RelationshipRecord, StatusRecord, Visibility } from '@mammut/contracts';

/** What a viewer's relationship to an author says about the author's statuses. */
export type ViewerFacts = Pick<
  RelationshipRecord,
  'following' | 'blockedBy' | 'blocking' | 'muting' | 'domainBlocking'
>;

/**
 * Whether the viewer (null: signed out) may see a status, as Mastodon's StatusPolicy decides:
 * direct ones by the author and the mentioned only, private ones also by followers, none by an
 * account the author blocks or that blocks the author's domain.
 */
export function mayView(
  status: StatusRecord,
  viewerId: string | null,
  facts: ViewerFacts | undefined,
): boolean {
  if (viewerId === status.accountId) return true;
  if (facts && (facts.blockedBy || facts.domainBlocking)) return false;
  const mentioned = viewerId !== null && status.mentions.includes(viewerId);
  switch (status.visibility) {
    case 'public':
    case 'unlisted':
      return true;
    case 'private':
      return mentioned || facts?.following === true;
    case 'direct':
      return mentioned;
  }
}

/**
 * Which of an author's statuses a viewer may list on the author's profile: all of them for the
 * author, none for an account the author blocks, private ones for followers, and (for any signed-in
 * viewer) those of other visibilities that mention them. Signed out: public and unlisted.
 */
export function listableVisibilities(
  authorId: string,
  viewerId: string | null,
  facts: ViewerFacts | undefined,
): { visibilities: Visibility[]; mentioning: string | null } | null {
  if (viewerId === authorId)
    return { visibilities: ['public', 'unlisted', 'private', 'direct'], mentioning: null };
  if (facts && (facts.blockedBy || facts.domainBlocking)) return null;
  const visibilities: Visibility[] = facts?.following
    ? ['public', 'unlisted', 'private']
    : ['public', 'unlisted'];
  return { visibilities, mentioning: viewerId };
}

/** Where statuses are shown: timelines also leave out what the viewer blocks or mutes. */
export type StatusContext = 'home' | 'public' | 'single';

/**
 * Whether a timeline shows a status the viewer may see, as Mastodon's feed filters decide: not
 * from an account the viewer blocks or mutes and, in the home feed, no reply to someone the
 * viewer does not follow (replies among the people one follows stay).
 */
export function timelineShows(
  status: StatusRecord,
  viewerId: string | null,
  context: StatusContext,
  factsOf: (accountId: string) => ViewerFacts | undefined,
): boolean {
  if (context === 'single' || viewerId === null || status.accountId === viewerId) return true;
  const author = factsOf(status.accountId);
  if (author && (author.blocking || author.muting)) return false;
  if (context !== 'home') return true;
  const repliedTo = status.inReplyToAccountId;
  if (repliedTo === null || repliedTo === status.accountId || repliedTo === viewerId) return true;
  return factsOf(repliedTo)?.following === true;
}
