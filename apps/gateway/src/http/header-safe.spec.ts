import { headerSafeUri } from './header-safe';

describe('headerSafeUri', () => {
  it('percent-encodes what a browser would, as UTF-8', () => {
    expect(headerSafeUri('https://client.example/cb/ā?x=1')).toBe('https://client.example/cb/%C4%81?x=1');
    expect(headerSafeUri('app://cb path')).toBe('app://cb%20path');
    expect(headerSafeUri('/oauth/authorize?a=1\r\nSet-Cookie: x=1')).toBe(
      '/oauth/authorize?a=1%0D%0ASet-Cookie:%20x=1',
    );
    expect(headerSafeUri('x\u007fy\u0000z\u00e9')).toBe('x%7Fy%00z%C3%A9');
    expect(headerSafeUri('x\ud800y')).toBe('x%EF%BF%BDy');
  });

  it('leaves visible ASCII, and escapes already made, as they are', () => {
    const uri = 'https://client.example/cb?state=a%20b&code=Zx_-~.!*()';
    expect(headerSafeUri(uri)).toBe(uri);
  });
});
