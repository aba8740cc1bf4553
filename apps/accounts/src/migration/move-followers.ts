import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import { consumersOf, type EventConsumers, logger, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB, ACCOUNTS_SCHEMA } from '../database/accounts-database';
import { BlockAccount } from '../relationships/block-account.service';
import { FollowAccount } from '../relationships/follow-account.service';
import { MuteAccount } from '../relationships/mute-account.service';
import { UnfollowAccount } from '../relationships/unfollow-account.service';

/** Local followers moved per query. */
const PAGE = 500;

interface Follower {
  account_id: string;
  show_reblogs: boolean;
  notify: boolean;
  languages: string[] | null;
}

/**
 * What a move does to the local accounts around the one that moved (Mastodon's MoveWorker and
 * UnfollowFollowWorker): each local follower follows the target with the same options and stops
 * following the old account; whoever blocked or muted the old account blocks or mutes the target
 * too. Each step goes through the ordinary use cases, so their events deliver the Follows to a
 * remote target and feed the timelines. A step that is refused (the follower blocks the target,
 * the target refuses it) is skipped, as Mastodon skips it; doing it all again changes nothing.
 */
@Injectable()
export class MoveFollowers {
  private consumers?: EventConsumers;
  private readonly log = logger('accounts:move');

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly follow: FollowAccount,
    private readonly unfollow: UnfollowAccount,
    private readonly block: BlockAccount,
    private readonly mute: MuteAccount,
  ) {}

  async start(): Promise<void> {
    this.consumers = consumersOf(this.runtime);
    if (!this.consumers) return;
    await this.consumers.consume(
      { consumer: 'accounts-moves', schema: ACCOUNTS_SCHEMA, dataSource: this.db },
      [
        on(
          contracts.accounts.admin.events.accountMoved,
          async ({ accountId, targetAccountId, followersMove }) => {
            if (followersMove) await this.execute(accountId, targetAccountId);
          },
        ),
      ],
    );
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }

  async execute(sourceId: string, targetId: string): Promise<void> {
    for (let after = '0'; ; ) {
      const followers: Follower[] = await this.db.query(
        `SELECT f.account_id::text, f.show_reblogs, f.notify, f.languages
           FROM accounts.follows f JOIN accounts.accounts a ON a.id = f.account_id
          WHERE f.target_account_id = $1 AND a.domain IS NULL AND f.account_id > $2
          ORDER BY f.account_id LIMIT $3`,
        [sourceId, after, PAGE],
      );
      for (const follower of followers) await this.moveFollower(follower, sourceId, targetId);
      if (followers.length < PAGE) break;
      after = followers[followers.length - 1].account_id;
    }
    await this.carryOver(sourceId, targetId);
  }

  private async moveFollower(follower: Follower, sourceId: string, targetId: string): Promise<void> {
    const viewerId = follower.account_id;
    await this.skipRefused(viewerId, targetId, () =>
      this.follow.execute({
        viewerId,
        targetId,
        reblogs: follower.show_reblogs,
        notify: follower.notify,
        languages: follower.languages ?? undefined,
      }),
    );
    await this.unfollow.execute(viewerId, sourceId);
  }

  /** Local blocks and mutes of the old account, applied to the new one. */
  private async carryOver(sourceId: string, targetId: string): Promise<void> {
    const blockers: { account_id: string }[] = await this.db.query(
      `SELECT b.account_id::text FROM accounts.blocks b JOIN accounts.accounts a ON a.id = b.account_id
        WHERE b.target_account_id = $1 AND a.domain IS NULL`,
      [sourceId],
    );
    for (const { account_id } of blockers)
      await this.skipRefused(account_id, targetId, () => this.block.execute(account_id, targetId));
    const muters: { account_id: string; hide_notifications: boolean }[] = await this.db.query(
      `SELECT m.account_id::text, m.hide_notifications FROM accounts.mutes m
         JOIN accounts.accounts a ON a.id = m.account_id
        WHERE m.target_account_id = $1 AND a.domain IS NULL
          AND (m.expires_at IS NULL OR m.expires_at > now())`,
      [sourceId],
    );
    for (const { account_id, hide_notifications } of muters)
      await this.skipRefused(account_id, targetId, () =>
        this.mute.execute({
          viewerId: account_id,
          targetId,
          notifications: hide_notifications,
          durationSeconds: 0,
        }),
      );
  }

  private async skipRefused(viewerId: string, targetId: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (
        !(error instanceof ContractError) ||
        !['forbidden', 'not_found', 'unprocessable'].includes(error.code)
      )
        throw error;
      this.log.info({ viewerId, targetId, code: error.code }, 'move step refused');
    }
  }
}
