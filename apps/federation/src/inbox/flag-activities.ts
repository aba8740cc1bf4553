import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { DomainBlocks } from '../domain-blocks/domain-blocks';
import { hostOfId, idOf, type Json } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/** Objects of one Flag looked at: the accounts and statuses it names. */
const FLAG_OBJECTS = 20;

/**
 * A report from another server (`Flag`), filed as Mastodon's ActivityPub::Activity::Flag does: one
 * report per local, unsuspended account it names, with the local statuses of that account it
 * names, the content as comment (cut at 5,000 characters by the moderation service) and the
 * Flag's id when it is on the sender's host. The sender is usually that server's instance actor.
 * Nothing is filed when the sender's domain is blocked with `reject_reports`, and a Flag naming
 * no local account is accepted and dropped.
 */
@Injectable()
export class FlagActivities implements InboxHandler {
  readonly routes = ['Flag'];
  private readonly log = logger('federation:inbox');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly blocks: DomainBlocks,
  ) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    const host = hostOfId(actorId);
    if (!host || (await this.blocks.ruleFor(host))?.rejectReports) return;
    const uris = (Array.isArray(activity.object) ? activity.object : [activity.object])
      .map(idOf)
      .filter((uri): uri is string => uri !== undefined)
      .slice(0, FLAG_OBJECTS);
    if (!uris.length) return;
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: [actorId, ...uris],
    });
    const sender = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    if (!sender || sender.suspended) return;
    const targets = actors.filter(
      (actor) => uris.includes(actor.uri) && actor.domain === null && !actor.suspended,
    );
    if (!targets.length) return;
    const statusUris = uris.filter((uri) => !targets.some((target) => target.uri === uri));
    const { statuses } = statusUris.length
      ? await this.bus.request(contracts.statuses.statuses.lookupStatuses, { urls: statusUris })
      : { statuses: [] };
    const id = idOf(activity.id);
    const uri = id && hostOfId(id) === host ? id : null;
    const comment = typeof activity.content === 'string' ? activity.content : '';
    for (const target of targets)
      await this.file(sender, target, {
        statusIds: statuses
          .filter((status) => status.local && status.accountId === target.id)
          .map((status) => status.id),
        comment,
        uri,
      });
  }

  private async file(
    sender: ActorRecord,
    target: ActorRecord,
    report: { statusIds: string[]; comment: string; uri: string | null },
  ): Promise<void> {
    try {
      await this.bus.request(contracts.moderation.reports.create, {
        accountId: sender.id,
        targetAccountId: target.id,
        statusIds: report.statusIds,
        ruleIds: [],
        comment: report.comment.slice(0, 100_000),
        category: null,
        forward: false,
        uri: report.uri,
      });
    } catch (error) {
      // A target or status gone meanwhile: nothing to file.
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorId: sender.uri, err: error.message }, 'report not filed');
        return;
      }
      throw error;
    }
  }
}
