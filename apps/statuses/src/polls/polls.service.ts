import { Inject, Injectable } from '@nestjs/common';
import { ContractError, notFound, type PollInput, type PollRecord } from '@mammut/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';

interface PollRow {
  id: string;
  status_id: string;
  account_id: string;
  options: string[];
  tallies: number[];
  multiple: boolean;
  hide_totals: boolean;
  expires_at: Date;
  expired: boolean;
  votes_count: number;
  voters_count: number;
  own_votes: number[];
}

/** The columns a PollRow is read with, `p` being the polls table and `$2` the viewer (or null). */
const POLL_COLUMNS = `p.id, p.status_id, p.account_id, p.options, p.tallies, p.multiple, p.hide_totals,
  p.expires_at, p.expires_at <= now() AS expired, p.votes_count, p.voters_count,
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
  expiresAt: row.expires_at.toISOString(),
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
 * Polls of local statuses and their votes, as Mastodon keeps them: counts on the poll row (one
 * tally per option, votes and distinct voters), moved under the row's lock as votes arrive, so
 * concurrent votes neither lose a count nor let one account vote twice. A single-choice poll takes
 * one vote per account; a multiple-choice one each option once per account (as VoteValidator).
 */
@Injectable()
export class Polls {
  constructor(@Inject(STATUSES_DB) private readonly db: DataSource) {}

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
      await tx.query(
        `INSERT INTO statuses.poll_votes (poll_id, account_id, choice)
         SELECT $1, $2, choice FROM unnest($3::int[]) AS choice`,
        [pollId, accountId, choices],
      );
      const tallies = poll.tallies.map((count, index) => count + choices.filter((c) => c === index).length);
      await tx.query(
        `UPDATE statuses.polls
            SET tallies = $2::int[], votes_count = votes_count + $3, voters_count = voters_count + $4,
                updated_at = now()
          WHERE id = $1`,
        [pollId, tallies, choices.length, poll.own_votes.length ? 0 : 1],
      );
    });
    return (await this.get([pollId], accountId))[0];
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
