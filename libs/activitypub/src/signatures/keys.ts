import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SignatureError } from './signature-error';

/** The signature algorithms we verify: RSASSA-PKCS1-v1_5 with SHA-256 (everyone), Ed25519 (Mastodon 4.7). */
export type KeyAlgorithm = 'rsa-v1_5-sha256' | 'ed25519';

/** The algorithm a key's type calls for, or null for a key type we do not accept. */
export function algorithmOf(key: KeyObject): KeyAlgorithm | null {
  if (key.asymmetricKeyType === 'rsa') return 'rsa-v1_5-sha256';
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  return null;
}

/**
 * Reads a public key PEM. A key we cannot read may have been replaced since we cached it, so
 * the failure invites one refetch.
 */
/**
 * Parsed keys by their PEM: parsing one costs more than the signature it checks, and the same few
 * thousand actors sign most of what arrives. Bounded; the oldest entry goes first.
 */
class KeyObjects {
  private readonly entries = new Map<string, KeyObject>();

  constructor(
    private readonly parse: (pem: string) => KeyObject,
    private readonly limit = 2000,
  ) {}

  get(pem: string): KeyObject {
    const held = this.entries.get(pem);
    if (held) return held;
    const key = this.parse(pem);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(pem, key);
    return key;
  }
}

const publicKeys = new KeyObjects(createPublicKey);
const privateKeys = new KeyObjects(createPrivateKey);

export function readPublicKey(pem: string): KeyObject {
  try {
    return publicKeys.get(pem);
  } catch {
    throw new SignatureError(401, 'Public key could not be read', true);
  }
}

/** Checks `signature` over `data`; false, never a throw, for a signature that does not match. */
export function verifyBytes(
  algorithm: KeyAlgorithm,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    return algorithm === 'ed25519'
      ? verify(null, data, key, signature)
      : verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}

/** Signs `data` with a private key PEM, with the algorithm its type calls for (RSA or Ed25519). */
export function signBytes(
  privateKeyPem: string,
  data: Buffer,
): { algorithm: KeyAlgorithm; signature: Buffer } {
  const key = privateKeys.get(privateKeyPem);
  const algorithm = algorithmOf(key);
  if (algorithm === null) throw new TypeError(`Unsupported signing key type ${key.asymmetricKeyType}`);
  const signature = algorithm === 'ed25519' ? sign(null, data, key) : sign('sha256', data, key);
  return { algorithm, signature };
}
