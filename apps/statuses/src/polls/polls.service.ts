import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  notFound,
  type PollInput,
  type PollRecord,
  type RemotePoll,
} from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';

interface PollRow {
  id: string;
  status_id: string;
  account_id: string;
  options: string[];
  tallies: number[];
  multiple: boolean;
  hide_totals: boolean;
  expires_at: Date | null;
  expired: boolean;
  votes_count: number;
  voters_count: number;
  own_votes: number[];
}

/** The columns a PollRow is read with, `p` being the polls table and `$2` the viewer (or null). */
const POLL_COLUMNS = `p.id, p.status_id, p.account_id, p.options, p.tallies, p.multiple, p.hide_totals,
  p.expires_at, coalesce(p.expires_at <= now(), false) AS expired, p.votes_count, p.voters_count,
  ARRAY(SELECT v.choice::int FROM statuses.poll_votes v
         WHERE v.poll_id = p.id AND v.account_id = $2::bigint ORDER BY v.choice) AS own_votes`;

const toPollRecord = (row: PollRow, viewerId: string | null): PollRecord => ({
  id: row.id,
  statusId: row.status_id,
  accountId: row.account_id,
  options: row.options,
  tallies: row.tallies,
  multiple: row.multiple,
  hideTotals: row.hide_totals,
  expiresAt: row.expires_at?.toISOString() ?? null,
  expired: row.expired,
  votesCount: row.votes_count,
  votersCount: row.voters_count,
  voted: row.account_id === viewerId || row.own_votes.length > 0,
  ownVotes: row.own_votes,
});

/** Mastodon's vote errors (VoteValidator), in the order it checks them. */
const VOTE_ERRORS = {
  expired: 'The poll has already ended',
  invalidChoice: 'The chosen vote option does not exist',
  selfVote: 'You cannot vote in your own polls',
  alreadyVoted: 'You have already voted on this poll',
} as const;

/**
 * The counts a remote poll is stored with: its server's; the voters, when it does not say, are the
 * votes of a single-choice poll and, of a multiple-choice one, the most any option has (a lower
 * bound: the column has no "unknown").
 */
const remoteCounts = (poll: RemotePoll): { tallies: number[]; votes: number; voters: number } => {
  const tallies = poll.options.map((_, index) => poll.tallies[index] ?? 0);
  const votes = tallies.reduce((sum, count) => sum + count, 0);
  return { tallies, votes, voters: poll.votersCount ?? (poll.multiple ? Math.max(0, ...tallies) : votes) };
};

/**
 * Polls of statuses and their votes, as Mastodon keeps them: counts on the poll row (one tally per
 * option, votes and distinct voters), moved under the row's lock as votes arrive, so concurrent
 * votes neither lose a count nor let one account vote twice. A single-choice poll takes one vote
 * per account; a multiple-choice one each option once per account (as VoteValidator). A remote
 * poll keeps the counts its server last sent, to which local votes add until the next Update; the
 * votes of local accounts on it are kept to show them their choices and to send them.
 */
@Injectable()
export class Polls {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async get(ids: string[], viewerId: string | null): Promise<PollRecord[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const rows: PollRow[] = await this.db.query(
      `SELECT ${POLL_COLUMNS} FROM statuses.polls p WHERE p.id = ANY($1::bigint[])`,
      [unique, viewerId],
    );
    const found = new Map(rows.map((row) => [row.id, toPollRecord(row, viewerId)]));
    return unique.flatMap((id) => found.get(id) ?? []);
  }

  /** A new poll for a status being written in `tx`; answers its id. */
  async attach(tx: EntityManager, statusId: string, accountId: string, poll: PollInput): Promise<string> {
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO statuses.polls (status_id, account_id, options, tallies, multiple, hide_totals, expires_at)
       VALUES ($1, $2, $3::text[], array_fill(0, ARRAY[cardinality($3::text[])]), $4, $5,
               now() + make_interval(secs => $6::float8))
       RETURNING id`,
      [statusId, accountId, poll.options, poll.multiple, poll.hideTotals, poll.expiresIn],
    );
    return row.id;
  }

  /**
   * An edited status's poll, as UpdateStatusService changes it: it runs again for `expiresIn` from
   * now; other options or another multiplicity make the votes cast so far meaningless, so they go.
   */
  async replace(tx: EntityManager, pollId: string, poll: PollInput): Promise<void> {
    await tx.query(
      `WITH old AS (SELECT options, multiple FROM statuses.polls WHERE id = $1 FOR UPDATE),
       reset AS (
         DELETE FROM statuses.poll_votes v USING old
          WHERE v.poll_id = $1 AND (old.options <> $2::text[] OR old.multiple <> $3))
       UPDATE statuses.polls p
          SET options = $2::text[], multiple = $3, hide_totals = $4,
              expires_at = now() + make_interval(secs => $5::float8), closed_at = NULL, updated_at = now(),
              tallies = CASE WHEN old.options <> $2::text[] OR old.multiple <> $3
                             THEN array_fill(0, ARRAY[cardinality($2::text[])]) ELSE p.tallies END,
              votes_count = CASE WHEN old.options <> $2::text[] OR old.multiple <> $3 THEN 0 ELSE p.votes_count END,
              voters_count = CASE WHEN old.options <> $2::text[] OR old.multiple <> $3 THEN 0 ELSE p.voters_count END
         FROM old WHERE p.id = $1`,
      [pollId, poll.options, poll.multiple, poll.hideTotals, poll.expiresIn],
    );
  }

  /** A poll an edit took away, with its votes. */
  async remove(tx: EntityManager, pollId: string): Promise<void> {
    await tx.query(`DELETE FROM statuses.polls WHERE id = $1`, [pollId]);
  }

  /** The options of a poll as they stand in `tx` (for the version an edit keeps). */
  async optionsOf(tx: EntityManager, pollId: string | null): Promise<string[] | null> {
    if (pollId === null) return null;
    const [row]: { options: string[] }[] = await tx.query(
      `SELECT options FROM statuses.polls WHERE id = $1`,
      [pollId],
    );
    return row?.options ?? null;
  }

  async vote(accountId: string, pollId: string, choices: number[]): Promise<PollRecord> {
    await this.db.transaction(async (tx) => {
      const [poll]: PollRow[] = await tx.query(
        `SELECT ${POLL_COLUMNS} FROM statuses.polls p WHERE p.id = $1 FOR UPDATE`,
        [pollId, accountId],
      );
      if (!poll) throw notFound();
      const problems = new Set<string>();
      if (poll.expired) problems.add(VOTE_ERRORS.expired);
      if (choices.some((choice) => choice >= poll.options.length)) problems.add(VOTE_ERRORS.invalidChoice);
      if (poll.account_id === accountId) problems.add(VOTE_ERRORS.selfVote);
      const repeated =
        new Set(choices).size !== choices.length ||
        (poll.multiple
          ? choices.some((choice) => poll.own_votes.includes(choice))
          : poll.own_votes.length > 0 || choices.length > 1);
      if (repeated) problems.add(VOTE_ERRORS.alreadyVoted);
      if (problems.size)
        throw new ContractError('unprocessable', `Validation failed: ${[...problems].join(', ')}`);
      await this.count(tx, poll, accountId, choices);
    });
    return (await this.get([pollId], accountId))[0];
  }

  /**
   * Records valid, checked votes of `accountId` on the locked `poll`, moves its counts, and
   * announces them (`poll.voted`).
   */
  private async count(tx: EntityManager, poll: PollRow, accountId: string, choices: number[]): Promise<void> {
    const votes: { id: string; choice: number }[] = await tx.query(
      `INSERT INTO statuses.poll_votes (poll_id, account_id, choice)
       SELECT $1, $2, choice FROM unnest($3::int[]) WITH ORDINALITY AS c(choice, n) ORDER BY n
       RETURNING id, choice`,
      [poll.id, accountId, choices],
    );
    const tallies = poll.tallies.map((count, index) => count + choices.filter((c) => c === index).length);
    await tx.query(
      `UPDATE statuses.polls
          SET tallies = $2::int[], votes_count = votes_count + $3, voters_count = voters_count + $4,
              updated_at = now()
        WHERE id = $1`,
      [poll.id, tallies, choices.length, poll.own_votes.length ? 0 : 1],
    );
    await this.outbox.add(tx, contracts.statuses.polls.events.pollVoted, {
      pollId: poll.id,
      statusId: poll.status_id,
      pollAccountId: poll.account_id,
      accountId,
      choices,
      voteIds: choices.map((choice) => votes.find((vote) => Number(vote.choice) === choice)?.id ?? ''),
    });
  }

  /**
   * A remote account's vote on a local poll, as Mastodon's Create handles one (`poll_vote?`): the
   * option named, on a live local status's poll addressed to its author. What a local voter would
   * be refused (a closed poll, a second vote of a single-choice poll, an option chosen twice) is
   * dropped silently, as the vote's server has no way to hear of it.
   */
  async saveRemoteVote(
    accountId: string,
    statusUri: string,
    name: string,
    addressedIds: readonly string[],
  ): Promise<'counted' | 'ignored' | 'notPoll'> {
    return this.db.transaction(async (tx) => {
      // Locked first and read after: the votes of a concurrent transaction on the row are then seen
      // (a statement's subqueries read the snapshot it took before waiting for the lock).
      const [locked]: { id: string }[] = await tx.query(
        `SELECT p.id FROM statuses.polls p
           JOIN statuses.statuses s ON s.poll_id = p.id
          WHERE s.uri = $1 AND s.local AND s.deleted_at IS NULL
          FOR UPDATE OF p`,
        [statusUri],
      );
      const [poll]: PollRow[] = locked
        ? await tx.query(`SELECT ${POLL_COLUMNS} FROM statuses.polls p WHERE p.id = $1`, [
            locked.id,
            accountId,
          ])
        : [];
      const choice = poll?.options.indexOf(name) ?? -1;
      if (!poll || choice < 0) return 'notPoll';
      if (!addressedIds.includes(poll.account_id) || poll.account_id === accountId) return 'ignored';
      if (poll.expired || poll.own_votes.includes(choice) || (!poll.multiple && poll.own_votes.length))
        return 'ignored';
      await this.count(tx, poll, accountId, [choice]);
      return 'counted';
    });
  }

  /**
   * The poll of a remote status as its Create or Update describes it (Mastodon's
   * ProcessStatusUpdateService#update_poll!): its counts and end always refreshed; its options or
   * multiplicity changed, or the poll added or taken away, only when `significant` (an edit),
   * which drops the votes cast here. Answers the poll id the status has afterwards.
   */
  async saveRemote(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    pollId: string | null,
    poll: RemotePoll | null,
    significant: boolean,
  ): Promise<string | null> {
    if (!poll) {
      if (pollId && significant) await this.remove(tx, pollId);
      return significant ? null : pollId;
    }
    const { tallies, votes, voters } = remoteCounts(poll);
    const [stored]: { options: string[]; multiple: boolean }[] = pollId
      ? await tx.query(`SELECT options, multiple FROM statuses.polls WHERE id = $1 FOR UPDATE`, [pollId])
      : [];
    const same =
      stored && stored.options.join('\n') === poll.options.join('\n') && stored.multiple === poll.multiple;
    if (!stored) {
      if (!significant) return pollId;
      const [row]: { id: string }[] = await tx.query(
        `INSERT INTO statuses.polls (status_id, account_id, options, tallies, multiple, expires_at, votes_count,
           voters_count)
         VALUES ($1, $2, $3::text[], $4::int[], $5, $6, $7, $8)
         RETURNING id`,
        [statusId, accountId, poll.options, tallies, poll.multiple, poll.expiresAt, votes, voters],
      );
      return row.id;
    }
    if (!same && !significant) return pollId;
    if (!same) await tx.query(`DELETE FROM statuses.poll_votes WHERE poll_id = $1`, [pollId]);
    await tx.query(
      `UPDATE statuses.polls
          SET options = $2::text[], tallies = $3::int[], multiple = $4, expires_at = $5::timestamptz,
              votes_count = $6, voters_count = $7, updated_at = now(),
              closed_at = CASE WHEN $5::timestamptz IS NULL OR $5::timestamptz > now() THEN NULL ELSE closed_at END
        WHERE id = $1`,
      [pollId, poll.options, tallies, poll.multiple, poll.expiresAt, votes, voters],
    );
    return pollId;
  }

  /** Who voted on a poll, each account once, in id order after `after`. */
  async voters(pollId: string, after: string | null, limit: number): Promise<string[]> {
    const rows: { account_id: string }[] = await this.db.query(
      `SELECT DISTINCT account_id FROM statuses.poll_votes
        WHERE poll_id = $1 AND ($2::bigint IS NULL OR account_id > $2::bigint)
        ORDER BY account_id LIMIT $3`,
      [pollId, after, limit],
    );
    return rows.map((row) => row.account_id);
  }
}
