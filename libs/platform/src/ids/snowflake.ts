/**
 * Reading Mastodon-style ids (`milliseconds << 16 | 16 bits`), which PostgreSQL mints
 * (`timestamp_id`, ADR 0007). Decimal strings in, bigint arithmetic only, never `number`.
 */

/**
 * The smallest id of an instant: a cursor for time-based pagination (every id made at `ms` or
 * later is at least this), never the id of a row.
 */
export function idCursorAt(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a time in milliseconds: ${ms}`);
  return (BigInt(ms) << 16n).toString();
}

/** The millisecond an id was made at (or, for a remote object, published at). */
export function timeOfId(id: string): number {
  return Number(BigInt(id) >> 16n);
}
