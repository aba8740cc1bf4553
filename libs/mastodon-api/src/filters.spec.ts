import type { FilterRecord } from '@mammut/contracts';
import { compileFilters, filterableText, hiddenBy, htmlToPlainText, keywordsExpression } from './filters';

const filter = (over: Partial<FilterRecord> = {}): FilterRecord => ({
  id: '1',
  title: 'f',
  context: ['home'],
  action: 'warn',
  expiresAt: null,
  keywords: [],
  statuses: [],
  ...over,
});
const kw = (keyword: string, wholeWord = true): FilterRecord['keywords'][number] => ({
  id: String(keyword.length),
  keyword,
  wholeWord,
});
const status = (content: string, over: { spoilerText?: string; text?: string; id?: string } = {}) => ({
  id: over.id ?? '100',
  local: over.text !== undefined,
  text: over.text ?? '',
  content,
  spoilerText: over.spoilerText ?? '',
});
const matches = (keywords: FilterRecord['keywords'], text: string): string | null =>
  keywordsExpression(keywords)?.exec(text)?.[0] ?? null;

describe('keyword matching', () => {
  it('is case-insensitive, and reports the text as it stands in the status', () => {
    expect(matches([kw('cat')], 'I like CATS and a Cat')).toBe('Cat');
    expect(matches([kw('cat', false)], 'I like CATS')).toBe('CAT');
  });

  it('keeps whole words whole, in any script', () => {
    expect(matches([kw('cat')], 'concatenate')).toBeNull();
    expect(matches([kw('cat')], 'a cat.')).toBe('cat');
    expect(matches([kw('café')], 'cafés')).toBeNull();
    expect(matches([kw('café')], 'un café!')).toBe('café');
    expect(matches([kw('猫')], '猫猫')).toBeNull();
    expect(matches([kw('cat', false)], 'concatenate')).toBe('cat');
  });

  it('puts a boundary only on the sides of a keyword that are word characters', () => {
    expect(matches([kw('#tag')], 'see x#tag here')).toBe('#tag');
    expect(matches([kw('#tag')], 'see #tags')).toBeNull();
    expect(matches([kw('c++')], 'I write c++code')).toBe('c++');
  });

  it('takes keywords literally, never as expressions', () => {
    expect(matches([kw('a.c', false)], 'abc')).toBeNull();
    expect(matches([kw('(x|y)', false)], 'x')).toBeNull();
    expect(matches([kw('(x|y)', false)], 'say (x|y)')).toBe('(x|y)');
  });

  it('matches any keyword of a filter; none without keywords', () => {
    expect(matches([kw('dog'), kw('cat')], 'my dog')).toBe('dog');
    expect(keywordsExpression([])).toBeNull();
  });
});

describe('the text filters read', () => {
  it('is the HTML as text, with breaks and entities', () => {
    expect(htmlToPlainText('<p>a &amp; b<br>c</p><p>d &#x27;e&#39; &lt;3</p>')).toBe("a & b\nc\n\nd 'e' <3");
    expect(
      htmlToPlainText(
        '<p><a href="https://x.example/tag"><span class="invisible">https://</span>x.example</a></p>',
      ),
    ).toBe('https://x.example');
  });

  it('includes the content warning, and a local status is read from its source', () => {
    expect(filterableText(status('<p>body</p>', { spoilerText: 'cw' }))).toBe('cw\n\nbody');
    expect(filterableText(status('<p>rendered</p>', { text: 'source' }))).toBe('source');
  });

  it('does not match markup', () => {
    const compiled = compileFilters([filter({ keywords: [kw('href')] })]);
    expect(compiled.match(status('<p><a href="https://a.example">link</a></p>'))).toEqual([]);
  });
});

describe('compiled filters', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  it('give one result per matching filter, with keyword and status matches', () => {
    const byKeyword = filter({ id: '1', keywords: [kw('spoiler')] });
    const byStatus = filter({ id: '2', statuses: [{ id: '9', statusId: '100' }] });
    const other = filter({ id: '3', keywords: [kw('nothing')] });
    const results = compileFilters([byKeyword, byStatus, other], now).match(status('<p>no spoiler here</p>'));
    expect(results).toEqual([
      { filter: byKeyword, keywordMatches: ['spoiler'], statusMatches: null },
      { filter: byStatus, keywordMatches: null, statusMatches: ['100'] },
    ]);
  });

  it('leave out expired filters', () => {
    const expired = filter({ keywords: [kw('x')], expiresAt: '2029-12-31T23:59:59.000Z' });
    const later = filter({ id: '2', keywords: [kw('x')], expiresAt: '2030-01-01T00:00:01.000Z' });
    expect(
      compileFilters([expired, later], now)
        .match(status('<p>x</p>'))
        .map((m) => m.filter.id),
    ).toEqual(['2']);
  });

  it('hide a status only through a hide filter of the place it is shown in', () => {
    const [hideHome] = compileFilters([
      filter({ action: 'hide', context: ['home'], keywords: [kw('x')] }),
    ]).match(status('<p>x</p>'));
    const [warnHome] = compileFilters([
      filter({ action: 'warn', context: ['home'], keywords: [kw('x')] }),
    ]).match(status('<p>x</p>'));
    expect(hiddenBy([hideHome], 'home')).toBe(true);
    expect(hiddenBy([hideHome], 'public')).toBe(false);
    expect(hiddenBy([warnHome], 'home')).toBe(false);
  });
});
