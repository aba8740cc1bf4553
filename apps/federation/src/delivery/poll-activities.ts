import { Inject, Injectable } from '@nestjs/common';
import { contracts, type PayloadOf, type PollRecord } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  EventSubscriber,
  on,
  RUNTIME,
  type Runtime,
  type Subscription,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { pollUpdateOf, voteOf } from '../notes/note-documents';
import { NoteSubjects } from '../notes/note-subjects';
import { ActivityDelivery } from './delivery';
import { StatusAudience } from './status-audience';

const pollEvents = contracts.statuses.polls.events;

/** Voters read per request, and the most whose servers hear of a poll's new counts. */
const VOTER_PAGE = 200;
const VOTERS_REACHED = 5000;

/**
 * Polls across servers, as Mastodon's VoteService and DistributePollUpdateWorker: a local account's
 * vote on a remote poll goes to the poll's author as one `Create{Note}` per option chosen; a local
 * poll's new counts (unless it hides them) and its closing go as `Update{Question}` to where its
 * status went and to the servers of its remote voters. Mastodon waits three minutes to gather the
 * votes of one Update; here each state of the counts is one job per inbox (its key the counts), so
 * a redelivered event or votes read at once send nothing twice.
 */
@Injectable()
export class PollActivities extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(FEDERATION_DB) db: DataSource,
    private readonly subjects: NoteSubjects,
    private readonly audience: StatusAudience,
    private readonly delivery: ActivityDelivery,
  ) {
    super(runtime, { schema: FEDERATION_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'federation-polls',
        concurrency: 8,
        handlers: [
          on(pollEvents.pollVoted, (voted) => this.voted(voted)),
          on(pollEvents.pollExpired, ({ statusId }) => this.distribute(statusId, true)),
        ],
      },
    ];
  }

  private async voted(voted: PayloadOf<typeof pollEvents.pollVoted>): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [voted.accountId, voted.pollAccountId],
    });
    const voter = actors.find((actor) => actor.id === voted.accountId);
    const author = actors.find((actor) => actor.id === voted.pollAccountId);
    if (!author) return;
    if (author.domain === null) return this.distribute(voted.statusId, false);
    if (!voter || voter.domain !== null || voter.suspended || !author.inboxUrl) return;
    const [{ statuses }, { polls }] = await Promise.all([
      this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [voted.statusId] }),
      this.bus.request(contracts.statuses.polls.getPolls, { ids: [voted.pollId], viewerId: null }),
    ]);
    const status = statuses[0];
    const poll = polls[0];
    if (!status || !poll) return;
    for (const [n, choice] of voted.choices.entries()) {
      const voteId = voted.voteIds[n];
      const name = poll.options[choice];
      if (!voteId || name === undefined) continue;
      const activity = voteOf({
        voteId,
        voterUri: voter.uri,
        name,
        statusUri: status.uri,
        pollAuthorUri: author.uri,
      });
      await this.delivery.enqueue(
        { inbox: author.inboxUrl, activity: JSON.stringify(activity), signerAccountId: voter.id },
        `vote:${voteId}`,
      );
    }
  }

  /** A local poll's counts as they are now, to its audience; a vote on a poll hiding them sends nothing. */
  private async distribute(statusId: string, closing: boolean): Promise<void> {
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [statusId] });
    const status = statuses[0];
    if (!status?.local || !status.pollId) return;
    const subject = await this.subjects.of(status);
    const poll = subject?.poll;
    if (!subject || !poll || subject.author.suspended) return;
    if (!closing && poll.hideTotals && !poll.expired) return;
    const inboxes = new Set(
      await this.audience.inboxes({
        authorId: status.accountId,
        visibility: status.visibility,
        accountIds: status.mentions,
      }),
    );
    for (const inbox of await this.voterInboxes(poll)) inboxes.add(inbox);
    const activity = JSON.stringify(pollUpdateOf({ ...subject, poll }, this.config));
    const state = `${poll.votesCount}:${poll.votersCount}:${poll.expired}`;
    await this.delivery.enqueueEach(inboxes, activity, subject.author.id, `poll-update:${poll.id}:${state}`);
  }

  /** The inboxes of the poll's remote voters (a shared one for each server that has it). */
  private async voterInboxes(poll: PollRecord): Promise<string[]> {
    const inboxes = new Set<string>();
    let after: string | null = null;
    for (let read = 0; read < VOTERS_REACHED; read += VOTER_PAGE) {
      const { accountIds }: { accountIds: string[] } = await this.bus.request(
        contracts.statuses.polls.listVoters,
        {
          pollId: poll.id,
          after,
          limit: VOTER_PAGE,
        },
      );
      if (!accountIds.length) break;
      const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: accountIds });
      for (const actor of actors) {
        const inbox = actor.sharedInboxUrl || actor.inboxUrl;
        if (actor.domain !== null && !actor.suspended && inbox) inboxes.add(inbox);
      }
      if (accountIds.length < VOTER_PAGE) break;
      after = accountIds[accountIds.length - 1];
    }
    return [...inboxes];
  }
}
