import { createHash } from 'node:crypto';
import { isStrictBase64 } from './base64';
import { parseDictionary } from './structured-fields';

/** The outcome of checking a digest header against a body; `error` says why, for the 401 body. */
export type DigestCheck = { readonly ok: true } | { readonly ok: false; readonly error: string };

const sha256 = (body: Buffer | undefined): Buffer =>
  createHash('sha256')
    .update(body ?? Buffer.alloc(0))
    .digest();

/** `Digest: SHA-256=<base64>` (RFC 3230), what draft-cavage signatures cover. */
export function makeDigest(body: Buffer | undefined): string {
  return `SHA-256=${sha256(body).toString('base64')}`;
}

/**
 * Checks a `Digest` header as Mastodon does: a comma-separated list of `algorithm=value`, of which
 * the `sha-256` entry (any case) must be there and be the 32-byte SHA-256 of the raw body. Other
 * algorithms are ignored, not refused.
 */
export function checkDigest(header: string | undefined, body: Buffer | undefined): DigestCheck {
  if (header === undefined) return { ok: false, error: 'Digest header missing' };
  let given: string | undefined;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === 'sha-256') {
      given = part.slice(eq + 1).trim();
      break;
    }
  }
  if (given === undefined) return { ok: false, error: 'Only SHA-256 is supported in the Digest header' };
  if (!isStrictBase64(given) || Buffer.from(given, 'base64').length !== 32) {
    return { ok: false, error: 'Invalid Digest value' };
  }
  const computed = sha256(body).toString('base64');
  if (given !== computed) return { ok: false, error: `Digest mismatch: computed SHA-256 ${computed}` };
  return { ok: true };
}

/** `Content-Digest: sha-256=:<base64>:` (RFC 9530), what RFC 9421 signatures cover. */
export function makeContentDigest(body: Buffer | undefined): string {
  return `sha-256=:${sha256(body).toString('base64')}:`;
}

/**
 * Checks a `Content-Digest` header: an RFC 8941 dictionary whose `sha-256` member must be a byte
 * sequence equal to the SHA-256 of the raw body. A header that is not a dictionary is malformed
 * (`malformed: true`, a 400 for the verifier); a wrong or missing sha-256 is a plain refusal.
 */
export function checkContentDigest(
  header: string | undefined,
  body: Buffer | undefined,
): DigestCheck | { readonly ok: false; readonly error: string; readonly malformed: true } {
  if (header === undefined) return { ok: false, error: 'Content-Digest header missing' };
  let members: ReturnType<typeof parseDictionary>;
  try {
    members = parseDictionary(header);
  } catch {
    return { ok: false, error: 'Content-Digest header is not a structured dictionary', malformed: true };
  }
  const member = members.get('sha-256');
  if (member === undefined)
    return { ok: false, error: 'Only sha-256 is supported in the Content-Digest header' };
  if (member.kind !== 'item' || !Buffer.isBuffer(member.value) || member.value.length !== 32) {
    return { ok: false, error: 'Invalid Content-Digest value' };
  }
  if (!member.value.equals(sha256(body))) return { ok: false, error: 'Content-Digest mismatch' };
  return { ok: true };
}
