import { OutboundHttpError, type OutboundResponse } from '@mammut/platform';
import { PeerUnavailable } from './remote-actors';
import { RemoteObjects } from './remote-objects';
import type { SignedFetch } from './signed-fetch';

const NOTE = 'https://peer.example/users/bob/statuses/1';
const PAGE = 'https://peer.example/@bob/1';

/** A peer answering each URL with a document (its id, as served), from that URL itself. */
function objectsServing(documents: Record<string, unknown>) {
  const get = jest.fn((url: string): Promise<OutboundResponse> => {
    if (!(url in documents))
      return Promise.reject(new OutboundHttpError('bad_status', 'not found', url, 404));
    return Promise.resolve({ url, json: () => documents[url] } as unknown as OutboundResponse);
  });
  return { objects: new RemoteObjects({ get } as unknown as SignedFetch), get };
}

describe('RemoteObjects.resolve', () => {
  it('takes the object at a URL that is its id', async () => {
    const { objects } = objectsServing({ [NOTE]: { id: NOTE, type: 'Note' } });
    expect(await objects.resolve(NOTE)).toEqual({ id: NOTE, type: 'Note' });
  });

  it('reads a page’s note from the id it names on the same host', async () => {
    const { objects, get } = objectsServing({
      [PAGE]: { id: NOTE, type: 'Note', content: 'as the page says' },
      [NOTE]: { id: NOTE, type: 'Note', content: 'as its id says' },
    });
    expect(await objects.resolve(PAGE)).toMatchObject({ id: NOTE, content: 'as its id says' });
    expect(get.mock.calls.map(([url]) => url)).toEqual([PAGE, NOTE]);
  });

  it('refuses an id on another host without reading it, and an id that does not name itself', async () => {
    const elsewhere = objectsServing({ [PAGE]: { id: 'https://other.example/notes/1', type: 'Note' } });
    expect(await elsewhere.objects.resolve(PAGE)).toBeNull();
    expect(elsewhere.get).toHaveBeenCalledTimes(1);
    const shifting = objectsServing({
      [PAGE]: { id: NOTE, type: 'Note' },
      [NOTE]: { id: `${NOTE}/again`, type: 'Note' },
    });
    expect(await shifting.objects.resolve(PAGE)).toBeNull();
    expect(shifting.get).toHaveBeenCalledTimes(2);
  });

  it('tells a server that cannot answer now from one that has nothing', async () => {
    const { objects } = objectsServing({});
    expect(await objects.resolve(NOTE)).toBeNull();
    const down = new RemoteObjects({
      get: () => Promise.reject(new OutboundHttpError('timeout', 'too slow', NOTE)),
    } as unknown as SignedFetch);
    await expect(down.resolve(NOTE)).rejects.toBeInstanceOf(PeerUnavailable);
  });
});
