import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, isoDate } from '../accounts/records';

/** Poll limits the statuses service enforces (Mastodon's defaults; `/api/v2/instance` advertises them). */
export const POLL_LIMITS = {
  options: 4,
  /** Grapheme clusters per option. */
  charactersPerOption: 50,
  /** Seconds a poll stays open at least (a test system may lower it, see `Config.polls`). */
  minExpiration: 300,
  /** Seconds a poll stays open at most: one month, as Mastodon counts it. */
  maxExpiration: 2_629_746,
} as const;

/**
 * A poll as a client asks for it with a status. Bounded only loosely here: the statuses service
 * checks it against POLL_LIMITS and answers Mastodon's validation errors.
 */
export const pollInput = z.object({
  options: z.array(z.string().max(1000)).max(100),
  /** Seconds from now until the poll closes. */
  expiresIn: z.number().int(),
  multiple: z.boolean(),
  /** Keep the options' counts hidden until the poll closes. */
  hideTotals: z.boolean(),
});
export type PollInput = z.infer<typeof pollInput>;

/**
 * One poll of a status (local, or a remote one as its server last told), with its counts and what
 * one viewer (if any) voted. Whether the options' counts may be shown is the serializer's business
 * (`hideTotals` until `expired`).
 */
export const pollRecord = z.object({
  id,
  statusId: id,
  accountId: id,
  options: z.array(z.string()),
  /** Votes per option, in the order of `options`. */
  tallies: z.array(z.number().int()),
  multiple: z.boolean(),
  hideTotals: z.boolean(),
  /** Null for a remote poll that names no end (Mastodon's open-ended poll). */
  expiresAt: isoDate.nullable(),
  /** Closed for votes when it was read. */
  expired: z.boolean(),
  votesCount: z.number().int(),
  votersCount: z.number().int(),
  /** The viewer voted, or owns the poll (Mastodon counts the owner as having voted). */
  voted: z.boolean(),
  /** The options the viewer chose. */
  ownVotes: z.array(z.number().int()),
});
export type PollRecord = z.infer<typeof pollRecord>;

export const pollEvents = {
  /**
   * A poll closed (its time ran out and the sweep saw it): its author and every voter get a `poll`
   * notification. Once per poll, whichever replica swept it.
   */
  pollExpired: defineEvent('events.statuses.poll.expired', {
    version: 1,
    aggregate: (p: { pollId: string }) => `poll:${p.pollId}`,
    payload: z.object({ pollId: id, statusId: id, accountId: id }),
  }),
  /**
   * An account voted (a local one through the API, or a remote one whose vote arrived): federation
   * sends a local voter's choices on a remote poll to its author, and a local poll's new counts to
   * its audience. `voteIds` are the votes recorded, one per choice, in the order of `choices`.
   */
  pollVoted: defineEvent('events.statuses.poll.voted', {
    version: 1,
    aggregate: (p: { pollId: string }) => `poll:${p.pollId}`,
    payload: z.object({
      pollId: id,
      statusId: id,
      /** The poll's author. */
      pollAccountId: id,
      accountId: id,
      choices: z.array(z.number().int().min(0)),
      voteIds: z.array(id),
    }),
  }),
};

/** Polls: reading them with one viewer's votes, voting, and who voted. */
export const statusesPolls = {
  /** Polls by id, with the viewer's votes (none for null); unknown ids are left out. */
  getPolls: defineRequest('statuses.poll.get', {
    request: z.object({ ids: z.array(id).max(400), viewerId: id.nullable() }),
    response: z.object({ polls: z.array(pollRecord) }),
  }),
  /**
   * Votes on a poll of a status the account may see (the caller checked that). Refused
   * (`unprocessable`, nothing recorded) when the poll has closed, a choice is out of range, the
   * poll is the account's own, or a choice was already made (any second choice of a single-choice
   * poll); answers the poll with the account's votes.
   */
  vote: defineRequest('statuses.poll_vote.create', {
    request: z.object({
      accountId: id,
      pollId: id,
      choices: z.array(z.number().int().min(0)).min(1).max(100),
    }),
    response: pollRecord,
  }),
  /**
   * A remote account's vote, as Mastodon takes one (a Note naming an option, in reply to the poll's
   * status): counted when `statusUri` is a live local status with a poll addressed to its author
   * (among `addressedIds`) and `name` one of its options; a vote on a closed poll, a second vote of
   * a single-choice poll or the same option twice change nothing (`ignored`). `notPoll` when the
   * status is not a local poll or `name` none of its options: the Note is no vote.
   */
  saveRemoteVote: defineRequest('statuses.remote_poll_vote.save', {
    request: z.object({
      accountId: id,
      statusUri: z.string().min(1).max(2048),
      name: z.string().max(10_000),
      addressedIds: z.array(id).max(200),
    }),
    response: z.object({ outcome: z.enum(['counted', 'ignored', 'notPoll']) }),
  }),
  /** The accounts that voted on a poll, each once, in id order after `after`. */
  listVoters: defineRequest('statuses.poll_voter.list', {
    request: z.object({ pollId: id, after: id.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({ accountIds: z.array(id) }),
  }),
  events: pollEvents,
};
