import { Client } from 'pg';
import { insertLocalAccounts } from './seed-accounts';
import { attachMedia } from './seed-media';

const STATUSES = 100_000;
const WRITERS = 1000;
const VOCABULARY = 2000;
const WORDS_PER_STATUS = 14;
/** One status in this many says the phrase the phrase search looks for. */
const PHRASE_EVERY = 200;
const PHRASE = 'northern lights';
/** One status in this many carries 1 to 4 images. */
const MEDIA_EVERY = 10;

/** Made-up words of two syllables (`baku`, `tesi`, …): no stop word, each its own stem. */
function vocabulary(): string[] {
  const consonants = 'bdfgklmnprstvz';
  const vowels = 'aeiou';
  const syllables = [...consonants].flatMap((c) => [...vowels].map((v) => c + v));
  const words: string[] = [];
  // Stepping by a number prime to the syllables' count spreads the letters over the ranks.
  for (let i = 0; words.length < VOCABULARY; i += 1) {
    const n = (i * 37) % (syllables.length * syllables.length);
    words.push(syllables[Math.floor(n / syllables.length)] + syllables[n % syllables.length]);
  }
  return [...new Set(words)];
}

/** One search of the mix, and how to tell a right answer to it. */
export interface SearchQuery {
  readonly q: string;
  /** Words every status found must say (its text, lower case). */
  readonly words: readonly string[];
  /** The author every status found must have, for `from:`. */
  readonly from?: string;
  /** Whether every status found must carry media, for `has:media`. */
  readonly media?: boolean;
  /** Statuses the seeded texts hold that match (not counting visibility rules: all are public). */
  readonly matches: number;
}

export interface SearchFixture {
  readonly queries: readonly SearchQuery[];
}

/**
 * 100,000 public statuses by 1,000 indexable local accounts, over the past 100 days, each of 14
 * words drawn from 2,000 with a skew like a language's (a few words are in most statuses, most in
 * few: the word of rank r is drawn with the probability of ∛((r+1)/N) − ∛(r/N)); one in 200 says
 * "northern lights", one in 10 carries images. Written straight to the tables, as the other seeders
 * write theirs: the statuses service's rows (the answers are hydrated from them), the media
 * service's attachments, and the search service's own index tables: the documents, which
 * `search deploy` copies into Elasticsearch for the other backend, and the terms the PostgreSQL
 * backend walks (the tsvector its index computes: `simple` plus the English stemming).
 * Indexing 100,000 statuses through events would measure the indexer, not search, and take
 * minutes.
 *
 * The queries: a common word (in ~7% of statuses), two common words, a rarer word (~0.5%), the
 * phrase, `from:` an author with a common word, and `has:media` with a common word.
 */
export async function seedSearch(databaseUrl: string, origin: string): Promise<SearchFixture> {
  const words = vocabulary();
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const texts = Array.from({ length: STATUSES }, (_, k) => {
    const said = Array.from(
      { length: WORDS_PER_STATUS },
      () => words[Math.floor(words.length * random() ** 3)],
    );
    if (k % PHRASE_EVERY === 0) said.splice(5, 0, ...PHRASE.split(' '));
    const text = said.join(' ');
    return text.charAt(0).toUpperCase() + text.slice(1) + '.';
  });
  const writerNames = Array.from({ length: WRITERS }, (_, i) => `writer${i}`);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const writerIds = await insertLocalAccounts(client, origin, writerNames, { users: true });
    await client.query(`UPDATE accounts.accounts SET indexable = true WHERE id = ANY($1::bigint[])`, [
      writerIds,
    ]);
    await client.query(
      `INSERT INTO statuses.statuses (id, uri, url, account_id, local, text, content, visibility, language, created_at, updated_at)
       SELECT statuses.timestamp_id('statuses', s.at), $3 || '/users/' || s.username || '/statuses/' || s.k,
              $3 || '/@' || s.username || '/' || s.k, s.account_id, true, s.text, '<p>' || s.text || '</p>',
              'public', 'en', s.at, s.at
         FROM (SELECT t.k, t.text, w.id AS account_id, w.username,
                      now() - interval '1 day' - t.k * interval '86 seconds' AS at
                 FROM unnest($4::text[]) WITH ORDINALITY AS t(text, k)
                 JOIN unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS w(id, username, ord)
                   ON w.ord - 1 = t.k % $5::int) s`,
      [writerIds, writerNames, origin, texts, WRITERS],
    );
    const { rows } = await client.query<{ id: string }>(
      `SELECT id::text FROM statuses.statuses WHERE account_id = ANY($1::bigint[]) ORDER BY id`,
      [writerIds],
    );
    const withMedia = rows.filter((_, i) => i % MEDIA_EVERY === 0).map((row) => row.id);
    await attachMedia(
      client,
      withMedia,
      withMedia.map((_, i) => 1 + (i % 4)),
    );
    await client.query(
      `INSERT INTO search.accounts (id, username, display_name, indexable)
       SELECT id, username, initcap(username), true FROM accounts.accounts WHERE id = ANY($1::bigint[])`,
      [writerIds],
    );
    await client.query(
      `INSERT INTO search.statuses
         (id, account_id, visibility, language, text, properties, media_ids, created_at)
       SELECT id, account_id, visibility, language, text,
              CASE WHEN cardinality(media_ids) > 0 THEN ARRAY['media'] ELSE '{}' END, media_ids, created_at
         FROM statuses.statuses WHERE account_id = ANY($1::bigint[])`,
      [writerIds],
    );
    // What a search walks: public statuses of indexable authors, found by everyone.
    await client.query(
      `INSERT INTO search.status_terms
         (id, account_id, visibility, language, tsv, properties, created_at, everyone, hidden)
       SELECT id, account_id, visibility, language,
              to_tsvector('simple', text) || to_tsvector('english', text), properties, created_at,
              true, false
         FROM search.statuses WHERE account_id = ANY($1::bigint[])`,
      [writerIds],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }

  // What each query should find, from the texts as written (status k is by writer k % WRITERS).
  const says = (text: string, wanted: readonly string[]): boolean => {
    const lower = ` ${text.toLowerCase().replace(/\./g, '')} `;
    return wanted.every((word) => lower.includes(` ${word} `));
  };
  const count = (wanted: readonly string[], where: (k: number) => boolean = () => true): number =>
    texts.filter((text, i) => where(i + 1) && says(text, wanted)).length;
  const query = (
    q: string,
    wanted: string[],
    extra: { from?: string; media?: boolean; where?: (k: number) => boolean } = {},
  ): SearchQuery => ({
    q,
    words: wanted,
    ...(extra.from ? { from: extra.from } : {}),
    ...(extra.media ? { media: true } : {}),
    matches: count(wanted, extra.where),
  });
  const author = 7;
  return {
    queries: [
      query(words[10], [words[10]]),
      query(`${words[20]} ${words[40]}`, [words[20], words[40]]),
      query(words[300], [words[300]]),
      query(`"${PHRASE}"`, PHRASE.split(' ')),
      query(`from:${writerNames[author]} ${words[5]}`, [words[5]], {
        from: writerNames[author],
        where: (k) => k % WRITERS === author,
      }),
      // Media went on every MEDIA_EVERY-th status by id: ids grow as k falls, and STATUSES is a
      // multiple of MEDIA_EVERY, so on the statuses whose k is one.
      query(`has:media ${words[10]}`, [words[10]], { media: true, where: (k) => k % MEDIA_EVERY === 0 }),
    ],
  };
}
