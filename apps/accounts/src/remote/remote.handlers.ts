import { Inject, Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { ActorsQueries } from './actors.queries';
import { AcceptRemoteFollow, RejectRemoteFollow, UndoRemoteFollow } from './remote-follows.service';
import { RemoteProfileImages } from './remote-profile-images.service';
import { SaveRemoteAccount } from './save-remote-account.service';

/** `accounts.remote.*` on the bus: what federation asks of accounts. */
@Injectable()
export class RemoteHandlers {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly actors: ActorsQueries,
    private readonly saveRemoteAccount: SaveRemoteAccount,
    private readonly profileImages: RemoteProfileImages,
    private readonly acceptRemoteFollow: AcceptRemoteFollow,
    private readonly rejectRemoteFollow: RejectRemoteFollow,
    private readonly undoRemoteFollow: UndoRemoteFollow,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.remote, {
    saveRemoteAccount: (description) => this.saveRemoteAccount.execute(description),
    setRemoteProfileImage: (change) => this.profileImages.set(change),
    getActors: ({ ids }) => this.actors.byIds(ids),
    getActorsByUri: ({ uris }) => this.actors.byUris(uris),
    lookupActors: ({ accts }) => this.actors.byAccts(accts, this.config.localDomain),
    listFollowerInboxes: async ({ accountId, after, limit }) => ({
      inboxes: await this.actors.followerInboxes(accountId, after, limit),
    }),
    listKnownInboxes: async ({ after, limit }) => ({
      inboxes: await this.actors.knownInboxes(after, limit),
    }),
    listNetworkUris: ({ accountId, direction, page, limit }) =>
      this.actors.networkUris(accountId, direction, page, limit),
    acceptRemoteFollow: (answer) => this.acceptRemoteFollow.execute(answer),
    rejectRemoteFollow: (answer) => this.rejectRemoteFollow.execute(answer),
    undoRemoteFollow: (undo) => this.undoRemoteFollow.execute(undo),
  });
}
