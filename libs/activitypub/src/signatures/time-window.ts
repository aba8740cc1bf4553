import { SignatureError } from './signature-error';

/** Mastodon's `CLOCK_SKEW_MARGIN`: allowed clock difference either way. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;
/** Without an explicit expiry, a signature expires this long after it was made. */
const DEFAULT_LIFETIME_MS = 5 * 60 * 1000;
/** Mastodon's `EXPIRATION_WINDOW_LIMIT`: an explicit expiry cannot reach further than this. */
const MAX_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * Refuses a signature outside Mastodon's window: made more than an hour in our future, or more
 * than an hour past its expiry (its own, else five minutes after it was made, at most twelve
 * hours). For a Date-signed request that means valid from 60 minutes before its Date until 65
 * minutes after. Times are milliseconds since the epoch.
 */
export function checkTimeWindow(createdMs: number, expiresMs: number | undefined, now: Date): void {
  const expires = Math.min(expiresMs ?? createdMs + DEFAULT_LIFETIME_MS, createdMs + MAX_LIFETIME_MS);
  if (createdMs > now.getTime() + CLOCK_SKEW_MS) {
    throw SignatureError.refused('Signed request date is too far in the future');
  }
  if (now.getTime() > expires + CLOCK_SKEW_MS) throw SignatureError.refused('Signed request has expired');
}

/** Unix seconds as sent in `created`/`expires`; anything but digits is refused. */
export function parseUnixSeconds(value: string | number, name: string): number {
  const text = String(value);
  if (!/^\d{1,12}$/.test(text)) throw SignatureError.refused(`Invalid ${name} parameter`);
  return Number(text) * 1000;
}

const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The `Date` header in milliseconds. Only IMF-fixdate (RFC 9110), what every fediverse server
 * sends; `Date.parse` alone would read many more shapes than a date header may have.
 */
export function parseHttpDate(value: string | undefined): number {
  if (value === undefined) throw SignatureError.refused('Date header missing');
  const ms = IMF_FIXDATE.test(value.trim()) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw SignatureError.refused('Invalid Date header');
  return ms;
}
