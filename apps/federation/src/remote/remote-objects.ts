import { Injectable } from '@nestjs/common';
import { logger } from '@mammut/platform';
import { idOf, type Json, objectOf } from '../inbox/activity-fields';
import { SignedFetch } from './signed-fetch';

const OBJECT_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
/** Mastodon takes objects only as ActivityPub JSON (CVE-2024-25623). */
const OBJECT_TYPES = ['application/activity+json', 'application/ld+json'];

/**
 * ActivityPub objects read from their origin (Mastodon's fetch_resource), signed by the instance
 * actor, through the guarded client only: answered from the URL asked (no redirect elsewhere), as ActivityPub JSON, and
 * carrying that URL as its `id`. Anything else is null, logged, never an error for the caller.
 */
@Injectable()
export class RemoteObjects {
  private readonly log = logger('federation:objects');

  constructor(private readonly http: SignedFetch) {}

  async read(uri: string): Promise<Json | null> {
    try {
      const response = await this.http.get(uri, {
        headers: { accept: OBJECT_ACCEPT },
        contentTypes: OBJECT_TYPES,
      });
      const object = objectOf(response.json());
      if (response.url === uri && object && idOf(object.id) === uri) return object;
      this.log.info({ uri }, 'fetched object is not the one asked for');
    } catch (error) {
      this.log.info(
        { uri, err: error instanceof Error ? error.message : String(error) },
        'object not fetched',
      );
    }
    return null;
  }
}
