import { idCursorAt, timeOfId } from './snowflake';

describe('snowflake ids', () => {
  it('puts the time in the high bits, so the cursor of an instant is below every id made from then on', () => {
    const cursor = idCursorAt(1_700_000_000_000);
    expect(cursor).toBe((1_700_000_000_000n << 16n).toString());
    expect(timeOfId(cursor)).toBe(1_700_000_000_000);
    const laterInTheSameMs = ((1_700_000_000_000n << 16n) | 0xffffn).toString();
    expect(timeOfId(laterInTheSameMs)).toBe(1_700_000_000_000);
    expect(BigInt(laterInTheSameMs) >= BigInt(cursor)).toBe(true);
  });

  it('keeps ids beyond 2^53 exact', () => {
    const id = idCursorAt(1_900_000_000_000);
    expect(id).toBe('124518400000000000');
    expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('refuses a time that is not a whole, non-negative number of milliseconds', () => {
    expect(() => idCursorAt(1.5)).toThrow(RangeError);
    expect(() => idCursorAt(-1)).toThrow(RangeError);
  });
});
