/** A request about to be sent, as the signers read it. */
export interface OutgoingRequest {
  readonly method: string;
  /** Absolute URL, as it will be requested. */
  readonly url: string;
  /** Headers already set, lower-cased names (the signers cover `content-type` when present). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The exact bytes that will be sent; absent for a request without a body (GET). */
  readonly body?: Buffer;
}

/** The key a request is signed with: `keyId` is the URL of the actor's public key. */
export interface SigningKey {
  readonly keyId: string;
  readonly privateKeyPem: string;
  /** The signing time; the clock's now when absent (tests pin it). */
  readonly now?: Date;
}

/** A request as received, for the verifier. */
export interface IncomingRequest {
  readonly method: string;
  /** Absolute URL the request was made to (scheme, authority, path and query). */
  readonly url: string;
  /** Header values as received, under lower-cased names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body bytes, before any parsing; absent when the request had none. */
  readonly body: Buffer | undefined;
  readonly now: Date;
}

/** What a key lookup knows of a keyId: its public key and the actor that owns it. */
export interface PublicKeyRecord {
  readonly publicKeyPem: string;
  readonly ownerId: string;
}

/**
 * Finds the public key a keyId names (cache, then fetch). `null` means there is no such key.
 * A temporary failure (peer down, timeout) should throw: the verifier lets it through so the
 * caller can answer 503 and have the sender retry, as Mastodon does, rather than 401.
 */
export type KeyLookup = (keyId: string) => Promise<PublicKeyRecord | null>;

export type SignatureScheme = 'cavage' | 'rfc9421';

export type VerifyResult =
  | { readonly ok: true; readonly keyId: string; readonly ownerId: string; readonly scheme: SignatureScheme }
  | {
      readonly ok: false;
      /** 400 for a header that cannot be parsed, 401 for anything that does not verify. */
      readonly status: 400 | 401;
      readonly error: string;
      readonly scheme?: SignatureScheme;
      /** The keyId named, once the header was read that far. */
      readonly keyId?: string;
      /**
       * True when everything checked out except the signature itself against a key we had:
       * the actor may have rotated its key, so the caller may refetch the key once and verify
       * again (Mastodon's refetch-on-failure, rate-limited by the caller).
       */
      readonly retryWithFreshKey: boolean;
    };
