import { MEDIA_LIMITS, POLL_LIMITS, type PollInput, STATUS_LIMITS } from '@mammut/contracts';
import { Errors } from '../../../http/errors';
import { isId, toBool, toStr, toStrList } from '../../../http/params';

/**
 * What a body says that this server cannot act on yet: refused rather than silently dropped.
 * `media_ids` are taken where `media` says so (new statuses posted now).
 */
export function refuseUnsupported(body: Record<string, unknown>): void {
  const unsupported: [string, boolean][] = [['quoted_status_id', Boolean(toStr(body.quoted_status_id))]];
  const fields = unsupported.filter(([, given]) => given).map(([field]) => field);
  if (fields.length) {
    throw Errors.unprocessable(
      `Validation failed: ${fields.join(', ')} cannot be used on this server yet`,
      Object.fromEntries(
        fields.map((field) => [field, [{ error: 'ERR_UNSUPPORTED', description: 'cannot be used yet' }]]),
      ),
    );
  }
}

/**
 * `media_ids[]` as the statuses service takes them: ids only (anything else names no attachment
 * of the poster's, so the media service will say it was not found), one past the limit at most.
 */
export function mediaIdsOf(body: Record<string, unknown>): string[] {
  return toStrList(body.media_ids)
    .filter((id) => id !== '')
    .slice(0, MEDIA_LIMITS.perStatus + 1)
    .map((id) => (isId(id) ? id : '0'));
}

/** ISO 8601 as clients send it: a date, or a date and time with or without a zone (UTC then, as Rails reads it). */
const ISO_8601 =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * `scheduled_at` as an instant, null when not given; 422 for anything that is not a date (Mastodon
 * refuses what `to_datetime` cannot read).
 */
export function scheduledAtOf(body: Record<string, unknown>): Date | null {
  const text = toStr(body.scheduled_at)?.trim();
  if (!text) return null;
  const match = ISO_8601.exec(text);
  const zone = match?.[3]?.toUpperCase() ?? 'Z';
  const offset =
    zone === 'Z'
      ? zone
      : zone.replace(/^([+-]\d{2}):?(\d{2})?$/, (_, h: string, m?: string) => `${h}:${m ?? '00'}`);
  const time = match ? Date.parse(`${match[1]}T${match[2] ?? '00:00'}${offset}`) : Number.NaN;
  if (Number.isNaN(time)) {
    throw Errors.unprocessable('Validation failed: Scheduled at is invalid', {
      scheduled_at: [{ error: 'ERR_INVALID', description: 'is invalid' }],
    });
  }
  return new Date(time);
}

/** The spoiler text of a body, refused past Mastodon's limit. */
export function spoilerTextOf(body: Record<string, unknown>): string {
  const spoilerText = toStr(body.spoiler_text) ?? '';
  if ([...spoilerText].length > STATUS_LIMITS.spoilerText) {
    throw Errors.unprocessable(
      `Validation failed: Spoiler text is too long (maximum is ${STATUS_LIMITS.spoilerText} characters)`,
      { spoiler_text: [{ error: 'ERR_TOO_LONG', description: 'is too long' }] },
    );
  }
  return spoilerText;
}

/**
 * `poll[options][]`, `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]` (form or JSON) as
 * the statuses service takes them, which checks them against Mastodon's limits; null without a
 * poll. Blank options are dropped (as Mastodon drops them) and past one too many the rest are
 * left out: the service refuses the poll for having too many all the same.
 */
export function pollOf(body: Record<string, unknown>): PollInput | null {
  const poll = body.poll;
  if (poll === undefined || poll === null || poll === '') return null;
  if (typeof poll !== 'object' || Array.isArray(poll)) {
    throw Errors.unprocessable('Validation failed: Poll is invalid', {
      poll: [{ error: 'ERR_INVALID', description: 'is invalid' }],
    });
  }
  const fields = poll as Record<string, unknown>;
  const expiresIn = Number(toStr(fields.expires_in) ?? Number.NaN);
  if (!Number.isFinite(expiresIn)) {
    throw Errors.unprocessable("Validation failed: Poll expires at can't be blank", {
      'poll.expires_at': [{ error: 'ERR_BLANK', description: "can't be blank" }],
    });
  }
  return {
    options: toStrList(fields.options)
      .filter((option) => option.trim())
      .slice(0, POLL_LIMITS.options + 1)
      // Far past the limit either way; kept short enough for the bus.
      .map((option) => option.slice(0, 1000)),
    expiresIn: Math.max(-1, Math.min(Math.trunc(expiresIn), POLL_LIMITS.maxExpiration + 1)),
    multiple: toBool(fields.multiple) ?? false,
    hideTotals: toBool(fields.hide_totals) ?? false,
  };
}
