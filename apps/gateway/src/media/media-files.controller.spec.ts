import { keyOfRequestUrl, rangeOf } from './media-files.controller';

describe('serving stored media', () => {
  it('reads one byte range as HTTP defines it, or none', () => {
    expect(rangeOf(undefined, 100)).toBeUndefined();
    expect(rangeOf('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(rangeOf('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(rangeOf('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(rangeOf('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(rangeOf('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    // Several ranges, other units and nonsense: the whole file.
    expect(rangeOf('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(rangeOf('items=0-1', 100)).toBeUndefined();
    expect(rangeOf('bytes=-', 100)).toBeUndefined();
    // Past the end, backwards or empty: 416.
    expect(rangeOf('bytes=100-', 100)).toBeNull();
    expect(rangeOf('bytes=9-3', 100)).toBeNull();
    expect(rangeOf('bytes=-0', 100)).toBeNull();
    expect(rangeOf('bytes=0-', 0)).toBeNull();
  });

  it('names only processed media, from the URL exactly as sent', () => {
    const key = 'media_attachments/files/000/000/000/000/000/001/original/0123456789abcdef.png';
    expect(keyOfRequestUrl(`/system/${key}`)).toBe(key);
    expect(keyOfRequestUrl(`/system/${key}?v=1`)).toBe(key);
    for (const url of [
      '/system/../package.json',
      '/system/media_attachments/../../package.json',
      '/system/media_attachments/..%2F..%2Fpackage.json',
      '/system/media_attachments/%2e%2e/x',
      '/system/media_attachments\\..\\x',
      '/system//media_attachments/x.png',
      '/system/tmp/uploads/0123456789abcdef0123456789abcdef',
      '/system/',
      '/other/media_attachments/x.png',
    ])
      expect([url, keyOfRequestUrl(url)]).toEqual([url, undefined]);
  });
});
