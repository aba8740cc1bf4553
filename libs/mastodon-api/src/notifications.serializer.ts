import type { AccountRecord, MarkerRecord, NotificationRecord } from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import type { MAccount } from './entities';
import type { MReport } from './reports.serializer';
import type { MStatus } from './statuses.serializer';

export interface MNotification {
  id: string;
  type: NotificationRecord['type'];
  created_at: string;
  /** Mastodon 4.3: the group this notification belongs to; ungrouped ones are alone in theirs. */
  group_key: string;
  account: MAccount;
  status?: MStatus;
  /** The report an `admin.report` notification is about. */
  report?: MReport;
}

export interface MMarker {
  last_read_id: string;
  version: number;
  updated_at: string;
}

export function serializeNotification(
  notification: NotificationRecord,
  from: AccountRecord,
  status: MStatus | undefined,
  ctx: SerializeContext,
  report?: MReport,
): MNotification {
  const serialized: MNotification = {
    id: notification.id,
    type: notification.type,
    created_at: notification.createdAt,
    group_key: notification.groupKey ?? `ungrouped-${notification.id}`,
    account: serializeAccount(from, ctx),
  };
  if (status) serialized.status = status;
  if (report) serialized.report = report;
  return serialized;
}

/** `{ home: {...}, notifications: {...} }` with the timelines that have a marker. */
export function serializeMarkers(markers: readonly MarkerRecord[]): Record<string, MMarker> {
  return Object.fromEntries(
    markers.map((marker) => [
      marker.timeline,
      { last_read_id: marker.lastReadId, version: marker.version, updated_at: marker.updatedAt },
    ]),
  );
}
