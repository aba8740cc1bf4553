import { CreateAccounts1763900000000 } from './1763900000000-CreateAccounts';
import { NotifyGrantChanges1795424733184 } from './1795424733184-NotifyGrantChanges';
import { AddUserCreatedByApplication1795428126313 } from './1795428126313-AddUserCreatedByApplication';
import { IndexMuteExpiry1795428403124 } from './1795428403124-IndexMuteExpiry';
import { IndexEventHousekeeping1795429919096 } from './1795429919096-IndexEventHousekeeping';
import { AddTimestampIds1796067176833 } from './1796067176833-AddTimestampIds';
import { AddRemoteActorColumns1796067203650 } from './1796067203650-AddRemoteActorColumns';
import { MarkDeletedAccounts1796067541678 } from './1796067541678-MarkDeletedAccounts';
import { OrderEventsByAggregate1796069501575 } from './1796069501575-OrderEventsByAggregate';
import { NotifyAccountChanges1796071345568 } from './1796071345568-NotifyAccountChanges';
import { CreateLists1796088432720 } from './1796088432720-CreateLists';
import { CreateFilters1796088456871 } from './1796088456871-CreateFilters';
import { NotifyFilterChanges1796098869556 } from './1796098869556-NotifyFilterChanges';
import { AddMovedAt1796123785531 } from './1796123785531-AddMovedAt';
import { AddAccountEmojis1796123800000 } from './1796123800000-AddAccountEmojis';
import { AddProfileImageDetails1796123900000 } from './1796123900000-AddProfileImageDetails';

/** Every migration of the accounts schema, in order. */
export const accountsMigrations = [
  CreateAccounts1763900000000,
  NotifyGrantChanges1795424733184,
  AddUserCreatedByApplication1795428126313,
  IndexMuteExpiry1795428403124,
  IndexEventHousekeeping1795429919096,
  AddTimestampIds1796067176833,
  AddRemoteActorColumns1796067203650,
  MarkDeletedAccounts1796067541678,
  OrderEventsByAggregate1796069501575,
  NotifyAccountChanges1796071345568,
  CreateLists1796088432720,
  CreateFilters1796088456871,
  NotifyFilterChanges1796098869556,
  AddMovedAt1796123785531,
  AddAccountEmojis1796123800000,
  AddProfileImageDetails1796123900000,
];
