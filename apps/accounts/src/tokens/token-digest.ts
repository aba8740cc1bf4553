import { hash, randomBytes } from 'node:crypto';

/** Tokens, codes and secrets are random; only their SHA-256 digest is stored. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
/** One-shot hashing: every authenticated request digests its token, and createHash costs more. */
export const digestOf = (secret: string): string => hash('sha256', secret, 'hex');
