import { Inject, Injectable } from '@nestjs/common';
import type { SigningKey } from '@mammut/activitypub';
import { CONFIG, type Config } from '@mammut/platform';
import { ActorKeysStore } from '../keys/actor-keys';
import { ACTOR_CONTEXT } from './actor-document';

/**
 * The key pair of the instance actor is kept beside the accounts' (Mastodon gives it the account
 * id -99); no account row stands behind it.
 */
const INSTANCE_ACTOR_KEY = '-99';

/**
 * The server itself as an actor (Mastodon's instance actor, `Application` at `/actor`): it signs
 * the GETs this server makes (actor documents, objects), so peers in authorized-fetch mode, and
 * GoToSocial, which asks for signatures on every fetch, answer them; and its document can always
 * be fetched unsigned, which breaks the loop of a peer needing our key to let us fetch its key.
 */
@Injectable()
export class InstanceActor {
  private key?: Promise<SigningKey>;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly keys: ActorKeysStore,
  ) {}

  get id(): string {
    return `${this.config.publicOrigin}/actor`;
  }

  /** What requests are signed with, unsealed once per process. */
  signingKey(): Promise<SigningKey> {
    this.key ??= this.keys.keysOf(INSTANCE_ACTOR_KEY).then(
      ({ privateKeyPem }) => ({ keyId: `${this.id}#main-key`, privateKeyPem }),
      (error: unknown) => {
        this.key = undefined;
        throw error;
      },
    );
    return this.key;
  }

  async document(): Promise<Record<string, unknown>> {
    const id = this.id;
    const origin = this.config.publicOrigin;
    return {
      '@context': ACTOR_CONTEXT,
      id,
      type: 'Application',
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      // The domain, as Mastodon names it; without a port, which no server takes in a username.
      preferredUsername: new URL(origin).hostname,
      url: `${origin}/about/more?instance_actor=true`,
      manuallyApprovesFollowers: true,
      publicKey: {
        id: `${id}#main-key`,
        owner: id,
        publicKeyPem: await this.keys.publicKeyOf(INSTANCE_ACTOR_KEY),
      },
      endpoints: { sharedInbox: `${origin}/inbox` },
    };
  }
}
