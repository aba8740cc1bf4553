import { parseCsv, toCsv } from './csv';
import { IMPORT_ROW_LIMIT, importRows, InvalidImport } from './import-rows';

describe('CSV of Mastodon exports', () => {
  it('writes and reads back quoted fields', () => {
    const rows = [
      ['Account address', 'Show boosts', 'Notify on new posts', 'Languages'],
      ['alice@example.com', 'true', 'false', 'en, de'],
      ['say "hi"', 'a\nb', '', ''],
    ];
    const text = toCsv(rows);
    expect(text.split('\n')[1]).toBe('alice@example.com,true,false,"en, de"');
    expect(parseCsv(text)).toEqual(rows);
    expect(parseCsv('a\r\n\r\nb\r\n')).toEqual([['a'], ['b']]);
  });

  it('reads following_accounts.csv with its header, and the older one-address files', () => {
    const text =
      'Account address,Show boosts,Notify on new posts,Languages\nalice@a.example,false,true,"en, fr"\n@bob@b.example,,,\n';
    expect(importRows(text)).toEqual([
      {
        acct: 'alice@a.example',
        reblogs: false,
        notify: true,
        languages: ['en', 'fr'],
        hideNotifications: false,
      },
      { acct: 'bob@b.example', reblogs: true, notify: false, languages: null, hideNotifications: true },
    ]);
    expect(importRows('\uFEFFcarol@c.example\ncarol@c.example\n').map((row) => row.acct)).toEqual([
      'carol@c.example',
    ]);
  });

  it.each([
    ['', 'no accounts'],
    ['Account address,Hide notifications\n', 'no accounts'],
    ['"alice@a.example\n', 'unterminated'],
    ['"alice"x@a.example\n', 'closing quote'],
    ['alice\n', 'not an account address'],
    ['alice@a.example,maybe\n', 'not true or false'],
    ['alice@a.example,true,false,"en; <b>"\n', 'languages'],
    ['too many rows', 'at most'],
  ])('refuses %j', (given, reason) => {
    const text =
      given === 'too many rows'
        ? Array.from({ length: IMPORT_ROW_LIMIT + 1 }, (_, i) => `u${i}@a.example`).join('\n')
        : given;
    expect(() => importRows(text)).toThrow(InvalidImport);
    expect(() => importRows(text)).toThrow(reason);
  });
});
