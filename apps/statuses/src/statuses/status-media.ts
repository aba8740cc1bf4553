import { ContractError, contracts, MEDIA_LIMITS, type StatusRecord } from '@mammut/contracts';
import type { Bus } from '@mammut/platform';
import type { Logger } from 'pino';

/** PostStatusService#validate_media!'s count check, made before the media service is asked. */
export const TOO_MANY_MEDIA = `Cannot attach more than ${MEDIA_LIMITS.perStatus} files`;

/**
 * Once a status (or its edit) committed, its attachments get its id (asked again, nothing
 * changes). One deleted or attached elsewhere in the moment since the check is left out:
 * presenting lists only the attachments that exist, and the status stands.
 */
export async function attachStatusMedia(
  bus: Bus,
  log: Logger,
  status: StatusRecord,
  scheduledStatusId: string | null = null,
): Promise<void> {
  try {
    await bus.request(contracts.media.attachments.attach, {
      accountId: status.accountId,
      statusId: status.id,
      scheduledStatusId,
      ids: status.mediaIds,
    });
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    log.warn({ statusId: status.id, error: error.message }, 'media not attached');
  }
}
