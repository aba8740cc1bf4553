import { CreateStatuses1796200000000 } from './1796200000000-CreateStatuses';
import { CreateFavouritesAndBookmarks1796200000001 } from './1796200000001-CreateFavouritesAndBookmarks';
import { AddReblogsAndPins1796200000002 } from './1796200000002-AddReblogsAndPins';
import { CreateTags1796200000003 } from './1796200000003-CreateTags';
import { CreateFeaturedTags1796200000004 } from './1796200000004-CreateFeaturedTags';
import { AddConversations1796200000100 } from './1796200000100-AddConversations';
import { AddEditsAndPolls1796200000200 } from './1796200000200-AddEditsAndPolls';
import { CreateScheduledStatuses1796200000340 } from './1796200000340-CreateScheduledStatuses';
import { NotifyStatusChanges1796200000400 } from './1796200000400-NotifyStatusChanges';
import { IndexLocalPublicTimeline1796200000410 } from './1796200000410-IndexLocalPublicTimeline';
import { CreateStatusTombstones1796200000500 } from './1796200000500-CreateStatusTombstones';
import { AddInReplyToUri1796200000600 } from './1796200000600-AddInReplyToUri';
import { AllowOpenEndedPolls1796200000710 } from './1796200000710-AllowOpenEndedPolls';
import { AddStatusEmojis1796200000720 } from './1796200000720-AddStatusEmojis';
import { AddMediaIds1796200000800 } from './1796200000800-AddMediaIds';
import { AddStatusEditMediaIds1796200000900 } from './1796200000900-AddStatusEditMediaIds';

/** Every migration of the statuses schema, in order. */
export const statusesMigrations = [
  CreateStatuses1796200000000,
  CreateFavouritesAndBookmarks1796200000001,
  AddReblogsAndPins1796200000002,
  CreateTags1796200000003,
  CreateFeaturedTags1796200000004,
  AddConversations1796200000100,
  AddEditsAndPolls1796200000200,
  CreateScheduledStatuses1796200000340,
  NotifyStatusChanges1796200000400,
  IndexLocalPublicTimeline1796200000410,
  CreateStatusTombstones1796200000500,
  AddInReplyToUri1796200000600,
  AllowOpenEndedPolls1796200000710,
  AddStatusEmojis1796200000720,
  AddMediaIds1796200000800,
  AddStatusEditMediaIds1796200000900,
];
