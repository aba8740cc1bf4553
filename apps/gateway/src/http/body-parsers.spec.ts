import qs from 'qs';
import { parseFlat, parseQuery } from './body-parsers';

const options: qs.IParseOptions = { arrayLimit: 100, depth: 5, parameterLimit: 1000, allowPrototypes: false };

/** The flat fast path must answer exactly what qs answers; anything else is qs itself. */
describe('parseQuery', () => {
  const cases = [
    '',
    'limit=20',
    'limit=20&max_id=123&since_id=',
    Array.from({ length: 40 }, (_, i) => `id[]=${1000 + i}`).join('&'),
    Array.from({ length: 150 }, (_, i) => `id%5B%5D=${i}`).join('&'),
    'a=1&a=2&b[]=3&b=4&b[]=5',
    'toString=5&hasOwnProperty=1&__proto__=x&constructor=y&ok=1',
    'c=%20x+y&d=%E2%9C%93&e=%E0%A4%A&f=100%',
    'flag&empty=&=novalue&&',
    'types[]=mention&types[]=favourite&exclude_types[]=follow&account_id=1',
    'q=caf%C3%A9+au+lait&resolve=true',
    // Not flat: these go to qs and must still parse as qs does.
    'fields_attributes[0][name]=a&fields_attributes[0][value]=b',
    'source[privacy]=public&source[sensitive]=true',
    'a[b][c][d][e][f][g]=deep',
    'id[]=1&id[x]=2',
    'q=a]=b&r=c%5D=d',
    'a=b]=c&x]=y&z[]=1]=2',
    Array.from({ length: 1200 }, (_, i) => `k${i}=v`).join('&'),
  ];

  it.each(cases.map((query) => [query.slice(0, 60), query]))('parses %s as qs does', (_, query) => {
    expect(parseQuery(query)).toEqual(qs.parse(query, options));
  });

  it('takes the fast path for the flat lists clients send (relationships, notifications)', () => {
    const forty = Array.from({ length: 40 }, (_, i) => `id[]=${1000 + i}`).join('&');
    expect(parseFlat(forty)).toEqual({ id: Array.from({ length: 40 }, (_, i) => String(1000 + i)) });
    expect(parseFlat('types[]=mention&limit=20')).toEqual({ types: ['mention'], limit: '20' });
    expect(parseFlat('source[privacy]=public')).toBeUndefined();
  });

  it('never writes to Object.prototype', () => {
    parseQuery('__proto__[polluted]=yes&constructor[prototype][polluted]=yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
