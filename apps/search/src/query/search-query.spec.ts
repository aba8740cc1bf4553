import { dateOf, languageOf, parseSearchQuery } from './search-query';

describe('parseSearchQuery: Mastodon’s search syntax', () => {
  it('reads terms, quoted phrases and hashtags, and - negates them', () => {
    expect(parseSearchQuery('cats "black dogs" #Mammut -rain -"grey sky" -#Spam')).toEqual({
      must: [
        { kind: 'term', text: 'cats' },
        { kind: 'phrase', text: 'black dogs' },
        { kind: 'tag', name: 'mammut' },
      ],
      mustNot: [
        { kind: 'term', text: 'rain' },
        { kind: 'phrase', text: 'grey sky' },
        { kind: 'tag', name: 'spam' },
      ],
      filters: [],
      library: false,
    });
  });

  it('reads from:, with me, a local and a remote handle, and their negation', () => {
    expect(parseSearchQuery('from:me -from:@Alice from:bob@Example.COM').filters).toEqual([
      { kind: 'from', negated: false, account: { me: true } },
      { kind: 'from', negated: true, account: { me: false, username: 'alice', domain: null } },
      { kind: 'from', negated: false, account: { me: false, username: 'bob', domain: 'example.com' } },
    ]);
  });

  it('reads has: and is: as properties, language: as a language code', () => {
    expect(
      parseSearchQuery('has:media -has:poll is:reply IS:Sensitive language:pt_BR -language:EN').filters,
    ).toEqual([
      { kind: 'property', negated: false, property: 'media' },
      { kind: 'property', negated: true, property: 'poll' },
      { kind: 'property', negated: false, property: 'reply' },
      { kind: 'property', negated: false, property: 'sensitive' },
      { kind: 'language', negated: false, language: 'pt' },
      { kind: 'language', negated: true, language: 'en' },
    ]);
  });

  it('reads before:, after: and during: as UTC day bounds', () => {
    const day = (s: string): Date => new Date(`${s}T00:00:00.000Z`);
    expect(
      parseSearchQuery('before:2024-05-02 after:2024-05-02 during:2024-05-02 -during:2024-02-29').filters,
    ).toEqual([
      { kind: 'created', negated: false, to: day('2024-05-02') },
      { kind: 'created', negated: false, from: day('2024-05-03') },
      { kind: 'created', negated: false, from: day('2024-05-02'), to: day('2024-05-03') },
      { kind: 'created', negated: true, from: day('2024-02-29'), to: day('2024-03-01') },
    ]);
  });

  it('reads in:library as a flag, other in: values as nothing', () => {
    expect(parseSearchQuery('in:library cats').library).toBe(true);
    expect(parseSearchQuery('in:all cats')).toEqual(parseSearchQuery('cats'));
    expect(parseSearchQuery('-in:library cats').library).toBe(false);
  });

  it('takes an unknown prefix (a URL’s scheme too) as words, as Mastodon does', () => {
    expect(parseSearchQuery('scope:local https://example.com/x').must).toEqual([
      { kind: 'term', text: 'scope local' },
      { kind: 'term', text: 'https //example.com/x' },
    ]);
  });

  it('drops malformed operators and junk instead of failing', () => {
    const junk = parseSearchQuery(
      'before:yesterday after:2024-13-45 during:2023-02-29 from:a@b@c from: language:x1 has:!!! " - -- +++ "unclosed !!! cats',
    );
    expect(junk.filters).toEqual([]);
    expect(junk.mustNot).toEqual([]);
    expect(junk.must).toEqual([
      // `from:` with nothing after it is no operator: `from` is read as a word (the `:` alone is junk).
      { kind: 'term', text: 'from:' },
      { kind: 'term', text: 'unclosed' },
      { kind: 'term', text: 'cats' },
    ]);
  });

  it('survives what looks like SQL or tsquery syntax, and very long input', () => {
    expect(parseSearchQuery("' OR 1=1-- a:*|!b&(").must).toEqual([
      { kind: 'term', text: 'OR' },
      { kind: 'term', text: '1=1--' },
      { kind: 'term', text: 'a *|!b&(' },
    ]);
    expect(parseSearchQuery('%').must).toEqual([]);
    expect(parseSearchQuery('x '.repeat(5000)).must).toHaveLength(5000);
  });
});

describe('languageOf and dateOf', () => {
  it('normalize what they can and refuse the rest', () => {
    expect(languageOf('de-AT')).toBe('de');
    expect(languageOf('zzzz')).toBeNull();
    expect(dateOf('2024-01-31')?.toISOString()).toBe('2024-01-31T00:00:00.000Z');
    expect(dateOf('2024-02-30')).toBeNull();
    expect(dateOf('1714521600')).toBeNull();
  });
});
