import { CreateAccounts1763900000000 } from './1763900000000-CreateAccounts';
import { NotifyGrantChanges1795424733184 } from './1795424733184-NotifyGrantChanges';
import { AddUserCreatedByApplication1795428126313 } from './1795428126313-AddUserCreatedByApplication';
import { IndexMuteExpiry1795428403124 } from './1795428403124-IndexMuteExpiry';
import { IndexEventHousekeeping1795429919096 } from './1795429919096-IndexEventHousekeeping';
import { AddRemoteActorColumns1796067203650 } from './1796067203650-AddRemoteActorColumns';

/** Every migration of the accounts schema, in order. */
export const accountsMigrations = [
  CreateAccounts1763900000000,
  NotifyGrantChanges1795424733184,
  AddUserCreatedByApplication1795428126313,
  IndexMuteExpiry1795428403124,
  IndexEventHousekeeping1795429919096,
  AddRemoteActorColumns1796067203650,
];
