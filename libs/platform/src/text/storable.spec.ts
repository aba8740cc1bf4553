import { unstorableTextPath } from './storable';

describe('unstorableTextPath', () => {
  it('finds NUL in values and keys at any depth, naming the first in reading order', () => {
    expect(unstorableTextPath('a\u0000b')).toBe('(value)');
    expect(unstorableTextPath({ note: 'fine', name: 'x\u0000' })).toBe('name');
    expect(unstorableTextPath({ fields: [{ name: 'a' }, { value: '\u0000' }], z: '\u0000' })).toBe(
      'fields.1.value',
    );
    expect(unstorableTextPath({ ['k\u0000']: 'v' })).toBe('k\u0000');
    expect(unstorableTextPath({ a: ['ok', { b: ['\u0000'] }] })).toBe('a.1.b.0');
  });

  it('passes everything PostgreSQL can store, and non-strings', () => {
    expect(unstorableTextPath({ a: 'ā \u0001 \u007f \ud83d\ude00', n: 1, b: true, z: null })).toBeNull();
    expect(unstorableTextPath(undefined)).toBeNull();
    expect(unstorableTextPath([])).toBeNull();
  });

  it('walks nesting of any depth without overflowing the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableTextPath(deep)).toMatch(/^0(\.0)+$/);
  });
});
