import { CreateMediaAttachments1796181316521 } from './1796181316521-CreateMediaAttachments';
import { CreateProfileImages1796187900000 } from './1796187900000-CreateProfileImages';
import { AddProcessingFailureDescription1796188033479 } from './1796188033479-AddProcessingFailureDescription';
import { AddRemoteMedia1796190000000 } from './1796190000000-AddRemoteMedia';
import { AddScheduledStatus1796200000000 } from './1796200000000-AddScheduledStatus';
import { AddProfileImageRemoteUrl1796200000100 } from './1796200000100-AddProfileImageRemoteUrl';
import { NotifyMediaChanges1796200000200 } from './1796200000200-NotifyMediaChanges';

/** Every migration of the media schema, in order. */
export const mediaMigrations = [
  CreateMediaAttachments1796181316521,
  CreateProfileImages1796187900000,
  AddProcessingFailureDescription1796188033479,
  AddRemoteMedia1796190000000,
  AddScheduledStatus1796200000000,
  AddProfileImageRemoteUrl1796200000100,
  NotifyMediaChanges1796200000200,
];
