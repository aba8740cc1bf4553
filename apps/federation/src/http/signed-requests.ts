import { Inject, Injectable } from '@nestjs/common';
import { ContractError, type RawHttpRequest, type RawHttpResponse } from '@mammut/contracts';
import { verifySignedRequest } from '@mammut/activitypub';
import { CONFIG, type Config } from '@mammut/platform';
import { DomainBlocks } from '../domain-blocks/domain-blocks';
import { PeerUnavailable, RemoteActors } from '../remote/remote-actors';
import { answer } from './responses';

/** Who signed a request, or the answer that refuses it. */
export type SignerCheck =
  | { readonly ok: true; readonly actorUri: string }
  | { readonly ok: false; readonly refusal: RawHttpResponse };

/** The keyId names a suspended domain: refused before its key is looked up. */
class SignerSuspended extends Error {}

/**
 * The HTTP signature of a request that reached us, verified as Mastodon's SignatureVerification
 * does, for inbox POSTs and, in authorized-fetch mode, for GETs: on the exact bytes and headers
 * that arrived, the key looked up by its keyId (fetched from its actor when unknown, once more when
 * it may have rotated). A keyId on a suspended domain is refused with 403 before any fetch; 401
 * when the signature does not hold (what makes senders double-knock), 400 for a malformed header,
 * 503 when the signer's server cannot be asked now.
 */
@Injectable()
export class SignedRequests {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly actors: RemoteActors,
    private readonly blocks: DomainBlocks,
  ) {}

  async signer(request: RawHttpRequest, body: Buffer | undefined): Promise<SignerCheck> {
    const incoming = {
      method: request.method,
      url: new URL(request.target, this.config.publicOrigin).toString(),
      headers: request.headers,
      body,
      now: new Date(),
    };
    const lookup = (fresh: boolean) => async (keyId: string) => {
      if (await this.blocks.suspendsUrl(keyId)) throw new SignerSuspended();
      return this.actors.keyFor(keyId, fresh);
    };
    let verified;
    try {
      verified = await verifySignedRequest(incoming, lookup(false));
      if (!verified.ok && verified.retryWithFreshKey && verified.keyId)
        verified = await verifySignedRequest(incoming, lookup(true));
    } catch (error) {
      if (error instanceof SignerSuspended)
        return { ok: false, refusal: answer(403, 'The signer’s domain is not allowed') };
      if (
        error instanceof PeerUnavailable ||
        (error instanceof ContractError && error.code === 'unavailable')
      )
        return { ok: false, refusal: answer(503, 'The signing actor could not be fetched now') };
      throw error;
    }
    if (!verified.ok) return { ok: false, refusal: answer(verified.status, verified.error) };
    return { ok: true, actorUri: verified.ownerId };
  }
}
