import { Injectable } from '@nestjs/common';
import { logger } from '@mammut/platform';
import { idOf, type Json, objectOf } from '../inbox/activity-fields';
import { PeerUnavailable, peerUnavailable } from './remote-actors';
import { SignedFetch } from './signed-fetch';

const OBJECT_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
/** Mastodon takes objects only as ActivityPub JSON (CVE-2024-25623). */
const OBJECT_TYPES = ['application/activity+json', 'application/ld+json'];

const hostOf = (uri: string): string | null => {
  try {
    return new URL(uri).host;
  } catch {
    return null;
  }
};

/**
 * ActivityPub objects read from their origin (Mastodon's fetch_resource), signed by the instance
 * actor, through the guarded client only: answered from the URL asked (no redirect elsewhere), as
 * ActivityPub JSON, and carrying that URL as its `id`.
 */
@Injectable()
export class RemoteObjects {
  private readonly log = logger('federation:objects');

  constructor(private readonly http: SignedFetch) {}

  /** The object whose id is `uri`; anything else is null, logged, never an error for the caller. */
  async read(uri: string): Promise<Json | null> {
    try {
      return this.named(await this.document(uri), uri);
    } catch (error) {
      this.failed(uri, error);
      return null;
    }
  }

  /**
   * The object a URL a user gave names, as Mastodon's FetchResourceService finds it: the document
   * at the URL when it is that object, else, when it names another id on the same host (a page
   * URL answering with its note), the object read from that id. Null when there is none;
   * PeerUnavailable when the server cannot be asked now.
   */
  async resolve(url: string): Promise<Json | null> {
    try {
      const object = await this.document(url);
      const id = idOf(object?.id);
      if (!object || !id || id === url) return this.named(object, url);
      if (hostOf(id) !== hostOf(url)) {
        this.log.info({ url, id }, 'object names an id on another host');
        return null;
      }
      return this.named(await this.document(id), id);
    } catch (error) {
      if (peerUnavailable(error)) throw new PeerUnavailable(error.message);
      this.failed(url, error);
      return null;
    }
  }

  /** The JSON object at `uri`, answered from that URL itself; null when it is not one. */
  private async document(uri: string): Promise<Json | null> {
    const response = await this.http.get(uri, {
      headers: { accept: OBJECT_ACCEPT },
      contentTypes: OBJECT_TYPES,
    });
    if (response.url === uri) return objectOf(response.json()) ?? null;
    this.log.info({ uri, url: response.url }, 'object answered from another URL');
    return null;
  }

  private named(object: Json | null, uri: string): Json | null {
    if (object && idOf(object.id) === uri) return object;
    if (object) this.log.info({ uri }, 'fetched object is not the one asked for');
    return null;
  }

  private failed(uri: string, error: unknown): void {
    this.log.info({ uri, err: error instanceof Error ? error.message : String(error) }, 'object not fetched');
  }
}
