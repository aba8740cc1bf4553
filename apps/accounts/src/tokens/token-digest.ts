import { createHash, randomBytes } from 'node:crypto';

/** Tokens, codes and secrets are random; only their SHA-256 digest is stored. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
export const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
