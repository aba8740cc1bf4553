import { verifyCavage } from './cavage';
import { verifyRfc9421 } from './rfc9421';
import { SignatureError } from './signature-error';
import type { IncomingRequest, KeyLookup, SignatureScheme, VerifyResult } from './types';

/**
 * Verifies the HTTP signature of a request as Mastodon does: RFC 9421 when a `Signature-Input`
 * header is present, draft-cavage otherwise. A pure function of the request, the clock value in
 * it and the key lookup; bad input of any kind is an answer (400 or 401), never an exception.
 * Only the key lookup's own failures propagate, so a peer that is down can be told 503.
 */
export async function verifySignedRequest(
  request: IncomingRequest,
  lookup: KeyLookup,
): Promise<VerifyResult> {
  const scheme: SignatureScheme = request.headers['signature-input'] === undefined ? 'cavage' : 'rfc9421';
  let keyId: string | undefined;
  const onKeyId = (id: string) => {
    keyId = id;
  };
  let lookupFailed = false;
  const guardedLookup: KeyLookup = async (id) => {
    try {
      return await lookup(id);
    } catch (error) {
      lookupFailed = true;
      throw error;
    }
  };
  try {
    const verified =
      scheme === 'rfc9421'
        ? await verifyRfc9421(request, guardedLookup, onKeyId)
        : await verifyCavage(request, guardedLookup, onKeyId);
    return { ok: true, keyId: verified.keyId, ownerId: verified.ownerId, scheme };
  } catch (error) {
    if (error instanceof SignatureError) {
      return {
        ok: false,
        status: error.status,
        error: error.message,
        scheme,
        ...(keyId === undefined ? {} : { keyId }),
        retryWithFreshKey: error.retryWithFreshKey,
      };
    }
    if (lookupFailed) throw error;
    // Anything else is a reading of hostile input we did not foresee: still a refusal.
    return {
      ok: false,
      status: 401,
      error: 'Signature could not be verified',
      scheme,
      retryWithFreshKey: false,
    };
  }
}
