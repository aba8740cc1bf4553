import { IdGenerator } from './snowflake';

describe('IdGenerator', () => {
  it('puts the time in the high bits and a sequence in the low 16', () => {
    const ids = new IdGenerator(() => 1_700_000_000_000);
    const first = ids.next();
    const second = ids.next();
    expect(first).toBe((1_700_000_000_000n << 16n).toString());
    expect(BigInt(second) - BigInt(first)).toBe(1n);
    expect(IdGenerator.timeOf(second)).toBe(1_700_000_000_000);
  });

  it('never goes backwards when the clock does', () => {
    let now = 2_000;
    const ids = new IdGenerator(() => now);
    const a = ids.next();
    now = 1_000;
    const b = ids.next();
    expect(BigInt(b) > BigInt(a)).toBe(true);
  });

  it('keeps ids beyond 2^53 exact', () => {
    const id = IdGenerator.fromTime(1_900_000_000_000);
    expect(id).toBe('124518400000000000');
    expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});
