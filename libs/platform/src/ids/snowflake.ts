/**
 * Mastodon-style ids: milliseconds since the Unix epoch shifted left 16 bits, plus a sequence.
 * Kept as decimal strings; bigint arithmetic only, never `number`.
 */
export class IdGenerator {
  private lastMs = 0n;
  private sequence = 0n;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    let ms = BigInt(this.now());
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.sequence += 1n;
      if (this.sequence > 0xffffn) {
        // More than 65 536 ids in one millisecond: borrow the next millisecond.
        ms += 1n;
        this.sequence = 0n;
      }
    } else {
      this.sequence = 0n;
    }
    this.lastMs = ms;
    return ((ms << 16n) | this.sequence).toString();
  }

  /** The smallest id of a given instant, for time-based cursors and remote `published` times. */
  static fromTime(ms: number): string {
    return (BigInt(ms) << 16n).toString();
  }

  static timeOf(id: string): number {
    return Number(BigInt(id) >> 16n);
  }
}

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
