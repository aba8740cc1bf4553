import { Inject, Injectable } from '@nestjs/common';
import { type AccountRecord, contracts, type ConversationRecord } from '@mammut/contracts';
import { type MConversation, type SerializeContext, serializeConversation } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { StatusPresenter } from './statuses/status-presenter';

/** The most accounts one accounts request takes. */
const BATCH = 200;

/**
 * Conversations as their owner sees them, over REST and the `direct` stream alike: the other
 * participants (or the owner alone, as Mastodon shows a note to oneself) in one request, the last
 * statuses presented together through the timelines' rules. A conversation whose last status the
 * viewer would not see on a timeline (its author blocked or muted, or gone) is left out, as
 * Mastodon never adds a status from someone one blocks or mutes to one's conversations.
 */
@Injectable()
export class ConversationPresenter {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly statuses: StatusPresenter,
  ) {}

  async present(conversations: readonly ConversationRecord[], viewerId: string): Promise<MConversation[]> {
    if (!conversations.length) return [];
    const shown = (conversation: ConversationRecord): string[] =>
      conversation.participantIds.length ? conversation.participantIds : [viewerId];
    const ids = [...new Set(conversations.flatMap(shown))];
    const [accounts, statuses] = await Promise.all([
      this.accounts(ids),
      this.statuses.present(
        conversations.map((conversation) => conversation.lastStatus),
        viewerId,
        { context: 'public', filterContext: 'thread' },
      ),
    ]);
    const presented = new Map(statuses.map((status) => [status.id, status]));
    return conversations.flatMap((conversation) => {
      const last = presented.get(conversation.lastStatus.id);
      if (!last) return [];
      const participants = shown(conversation).flatMap((id) => accounts.get(id) ?? []);
      return [serializeConversation(conversation, participants, last, this.ctx)];
    });
  }

  private async accounts(ids: string[]): Promise<Map<string, AccountRecord>> {
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += BATCH) batches.push(ids.slice(i, i + BATCH));
    const found = await Promise.all(
      batches.map(async (batch) => {
        const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, { ids: batch });
        return accounts;
      }),
    );
    return new Map(
      found
        .flat()
        .filter((account) => !account.suspended)
        .map((account) => [account.id, account]),
    );
  }
}
