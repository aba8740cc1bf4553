import { Inject, Injectable } from '@nestjs/common';
import { type StatusRecord, type StreamMessage, streamSubjects } from '@mammut/contracts';
import { CONFIG, type Config, RUNTIME, type Runtime } from '@mammut/platform';

const encoder = new TextEncoder();

/** Publishes stream messages on core NATS for the gateway's streaming connections. */
@Injectable()
export class StreamPublisher {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  publish(subject: string, message: StreamMessage): void {
    const prefixed = this.config.natsPrefix ? `${this.config.natsPrefix}.${subject}` : subject;
    this.runtime.nats.publish(prefixed, encoder.encode(JSON.stringify(message)));
  }

  toUsers(accountIds: readonly string[], message: StreamMessage): void {
    for (const accountId of accountIds) this.publish(streamSubjects.user(accountId), message);
  }

  /**
   * A direct status to the `direct` streams of its author and of the accounts it mentions: each
   * gateway connection presents that account's conversation holding it (Mastodon's
   * `conversation` event), through the rules of the REST API.
   */
  toConversations(status: Pick<StatusRecord, 'id' | 'visibility' | 'accountId' | 'mentions'>): void {
    if (status.visibility !== 'direct') return;
    const message: StreamMessage = { event: 'conversation', statusId: status.id };
    for (const accountId of new Set([status.accountId, ...status.mentions]))
      this.publish(streamSubjects.direct(accountId), message);
  }

  /**
   * The public streams a status belongs on: public ones that reply to nobody else and share
   * nothing, as on the public timelines.
   */
  toPublic(
    status: Pick<StatusRecord, 'visibility' | 'local' | 'inReplyToAccountId' | 'accountId' | 'reblogOfId'>,
    message: StreamMessage,
  ): void {
    if (status.visibility !== 'public' || status.reblogOfId !== null) return;
    if (status.inReplyToAccountId !== null && status.inReplyToAccountId !== status.accountId) return;
    this.publish(streamSubjects.public, message);
    this.publish(status.local ? streamSubjects.publicLocal : streamSubjects.publicRemote, message);
  }

  /** The hashtag streams of a public status (its own, not a reblog's): each tag's, and its local one for a local status. */
  toHashtags(
    status: Pick<StatusRecord, 'visibility' | 'local' | 'reblogOfId' | 'tags'>,
    message: StreamMessage,
  ): void {
    if (status.visibility !== 'public' || status.reblogOfId !== null) return;
    for (const tag of status.tags) {
      this.publish(streamSubjects.hashtag(tag), message);
      if (status.local) this.publish(streamSubjects.hashtagLocal(tag), message);
    }
  }
}
