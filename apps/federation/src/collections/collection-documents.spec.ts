import { NOTE_CONTEXT } from '../notes/note-documents';
import {
  featuredChangeOf,
  featuredCollection,
  featuredTagsCollection,
  networkCollection,
  networkPage,
  OUTBOX_PAGE_SIZE,
  outboxCollection,
  outboxPage,
} from './collection-documents';

const AS = 'https://www.w3.org/ns/activitystreams';
const ALICE = 'https://here.example/users/alice';
const OUTBOX = `${ALICE}/outbox`;
const FOLLOWERS = `${ALICE}/followers`;

const entry = (statusId: string) => ({
  statusId,
  activity: { id: `${ALICE}/statuses/${statusId}/activity` },
});

describe('outbox', () => {
  it('is an OrderedCollection of the statuses count whose first and last pages are Mastodon’s', () => {
    expect(outboxCollection(OUTBOX, 42)).toEqual({
      '@context': AS,
      id: OUTBOX,
      type: 'OrderedCollection',
      totalItems: 42,
      first: `${OUTBOX}?page=true`,
      last: `${OUTBOX}?min_id=0&page=true`,
    });
  });

  it('pages a full page with next below its last item and prev above its first', () => {
    const entries = Array.from({ length: OUTBOX_PAGE_SIZE }, (_, n) => entry(String(200 - n)));
    expect(outboxPage(OUTBOX, { maxId: '201' }, entries)).toEqual({
      '@context': NOTE_CONTEXT,
      id: `${OUTBOX}?max_id=201&page=true`,
      type: 'OrderedCollectionPage',
      next: `${OUTBOX}?max_id=181&page=true`,
      prev: `${OUTBOX}?min_id=200&page=true`,
      partOf: OUTBOX,
      orderedItems: entries.map((item) => item.activity),
    });
  });

  it('has no next on a short page, and neither next nor prev on an empty one', () => {
    const short = outboxPage(OUTBOX, { minId: '0' }, [entry('7'), entry('5')]);
    expect(short.id).toBe(`${OUTBOX}?min_id=0&page=true`);
    expect(short.next).toBeUndefined();
    expect(short.prev).toBe(`${OUTBOX}?min_id=7&page=true`);
    const empty = outboxPage(OUTBOX, {}, []);
    expect(empty).toEqual({
      '@context': NOTE_CONTEXT,
      id: `${OUTBOX}?page=true`,
      type: 'OrderedCollectionPage',
      partOf: OUTBOX,
      orderedItems: [],
    });
  });
});

describe('followers and following', () => {
  it('is an OrderedCollection with its size and first page', () => {
    expect(networkCollection(FOLLOWERS, 13, false)).toEqual({
      '@context': AS,
      id: FOLLOWERS,
      type: 'OrderedCollection',
      totalItems: 13,
      first: `${FOLLOWERS}?page=1`,
    });
  });

  it('is its size alone when the owner hides the network', () => {
    expect(networkCollection(FOLLOWERS, 13, true)).toEqual({
      '@context': AS,
      id: FOLLOWERS,
      type: 'OrderedCollection',
      totalItems: 13,
    });
  });

  it('pages by number, next while accounts remain, prev after the first', () => {
    expect(networkPage(FOLLOWERS, 1, 13, ['https://a.example/u/1'])).toEqual({
      '@context': AS,
      id: `${FOLLOWERS}?page=1`,
      type: 'OrderedCollectionPage',
      totalItems: 13,
      next: `${FOLLOWERS}?page=2`,
      partOf: FOLLOWERS,
      orderedItems: ['https://a.example/u/1'],
    });
    const second = networkPage(FOLLOWERS, 2, 13, ['https://a.example/u/2']);
    expect(second.next).toBeUndefined();
    expect(second.prev).toBe(`${FOLLOWERS}?page=1`);
  });
});

describe('featured', () => {
  it('lists the pinned statuses unpaged, notes inline and ids alone', () => {
    const note = { id: `${ALICE}/statuses/1`, type: 'Note' };
    expect(featuredCollection(`${ALICE}/collections/featured`, [note, `${ALICE}/statuses/2`])).toEqual({
      '@context': NOTE_CONTEXT,
      id: `${ALICE}/collections/featured`,
      type: 'OrderedCollection',
      totalItems: 2,
      orderedItems: [note, `${ALICE}/statuses/2`],
    });
  });

  it('lists the featured hashtags as Hashtag objects linking to the tagged profile', () => {
    expect(
      featuredTagsCollection(`${ALICE}/collections/tags`, 'https://here.example/@alice', ['cats']),
    ).toEqual({
      '@context': NOTE_CONTEXT,
      id: `${ALICE}/collections/tags`,
      type: 'Collection',
      totalItems: 1,
      items: [{ type: 'Hashtag', href: 'https://here.example/@alice/tagged/cats', name: '#cats' }],
    });
  });

  it('sends Add and Remove without id or addressing', () => {
    expect(featuredChangeOf('Add', ALICE, `${ALICE}/statuses/1`, `${ALICE}/collections/featured`)).toEqual({
      '@context': AS,
      type: 'Add',
      actor: ALICE,
      object: `${ALICE}/statuses/1`,
      target: `${ALICE}/collections/featured`,
    });
    expect(
      featuredChangeOf('Remove', ALICE, `${ALICE}/statuses/1`, `${ALICE}/collections/featured`).type,
    ).toBe('Remove');
  });
});
