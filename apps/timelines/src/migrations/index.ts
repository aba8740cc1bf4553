import { CreateTimelines1796300000000 } from './1796300000000-CreateTimelines';
import { CreateNotificationsAndMarkers1796300000001 } from './1796300000001-CreateNotificationsAndMarkers';
import { AddNotificationPolicies1796300000100 } from './1796300000100-AddNotificationPolicies';
import { AddNotificationReports1796300000200 } from './1796300000200-AddNotificationReports';

/** Every migration of the timelines schema, in order. */
export const timelinesMigrations = [
  CreateTimelines1796300000000,
  CreateNotificationsAndMarkers1796300000001,
  AddNotificationPolicies1796300000100,
  AddNotificationReports1796300000200,
];
