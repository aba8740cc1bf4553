/**
 * Why a signature was refused, thrown inside the verifier and turned into a `VerifyResult` at
 * its edge, so every check can stop the verification in one line and nothing escapes as an
 * exception to the caller.
 */
export class SignatureError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
    readonly retryWithFreshKey = false,
  ) {
    super(message);
  }

  /** A header we cannot even read: Mastodon answers 400. */
  static malformed(message: string): SignatureError {
    return new SignatureError(400, message);
  }

  /** A readable header that does not prove what it must: Mastodon answers 401. */
  static refused(message: string): SignatureError {
    return new SignatureError(401, message);
  }
}

/**
 * Above this a signature header is refused before parsing. Real ones are well under 1 kB (an
 * RSA-4096 signature is 684 base64 characters); the cap keeps a 100 kB header from costing
 * parse time on an endpoint anyone can reach.
 */
export const MAX_SIGNATURE_HEADER_LENGTH = 8192;
