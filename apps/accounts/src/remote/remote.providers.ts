import type { Provider } from '@nestjs/common';
import { ActorsQueries } from './actors.queries';
import { AcceptRemoteFollow, RejectRemoteFollow, UndoRemoteFollow } from './remote-follows.service';
import { RemoteProfileImages } from './remote-profile-images.service';
import { RemoteHandlers } from './remote.handlers';
import { SaveRemoteAccount } from './save-remote-account.service';

/** Remote accounts and the answers of their servers: what federation asks of accounts. */
export const remoteProviders: Provider[] = [
  ActorsQueries,
  SaveRemoteAccount,
  RemoteProfileImages,
  AcceptRemoteFollow,
  RejectRemoteFollow,
  UndoRemoteFollow,
  RemoteHandlers,
];
