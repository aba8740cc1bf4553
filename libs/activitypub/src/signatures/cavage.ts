import { isStrictBase64 } from './base64';
import { checkDigest, makeDigest } from './digest';
import { algorithmOf, readPublicKey, signBytes, verifyBytes } from './keys';
import { readTarget } from './request-target';
import { MAX_SIGNATURE_HEADER_LENGTH, SignatureError } from './signature-error';
import { checkTimeWindow, parseHttpDate, parseUnixSeconds } from './time-window';
import type { IncomingRequest, KeyLookup, OutgoingRequest, PublicKeyRecord, SigningKey } from './types';

/*
 * draft-cavage-http-signatures-12 as the fediverse uses it: `Signature: keyId="…",algorithm="…",
 * headers="…",signature="…"`, the signed text being the covered headers as `name: value` lines.
 */

const TOKEN_CHAR = /[0-9A-Za-z!#$%&'*+.^_`|~-]/;

/** A quoted-string character (RFC 9110 qdtext and quoted-pair): no control character but tab. */
const isTextChar = (code: number): boolean =>
  code === 0x09 || (code >= 0x20 && code !== 0x7f && code <= 0xff);

/**
 * Reads the parameters of a cavage `Signature` header. Strict where a lax reading could be
 * abused: a duplicated parameter (Mastodon 4.5.5) or a control character (a CRLF smuggled into
 * `keyId`) makes the header malformed. An old node library's leading `Signature ` is tolerated.
 */
export function parseCavageHeader(header: string): Map<string, string> {
  const text = header.replace(/^Signature\s+/i, '');
  const params = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  while (true) {
    skipSpace();
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text[i])) i++;
    if (i === start) throw SignatureError.malformed('Signature header: parameter name expected');
    const name = text.slice(start, i);
    if (text[i] !== '=') throw SignatureError.malformed('Signature header: "=" expected');
    i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw SignatureError.malformed('Signature header: unterminated string');
        const char = text[i];
        if (char === '"') break;
        if (char === '\\') i++;
        if (i >= text.length || !isTextChar(text.charCodeAt(i))) {
          throw SignatureError.malformed('Signature header: invalid character');
        }
        value += text[i];
        i++;
      }
      i++;
    } else {
      const valueStart = i;
      while (i < text.length && TOKEN_CHAR.test(text[i])) i++;
      value = text.slice(valueStart, i);
    }
    if (params.has(name)) throw SignatureError.malformed(`Signature header: duplicate parameter ${name}`);
    params.set(name, value);
    skipSpace();
    if (i >= text.length) return params;
    if (text[i] !== ',') throw SignatureError.malformed('Signature header: "," expected');
    i++;
  }
}

const quote = (value: string): string => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * Signs a request as Mastodon does, returning the headers to add. POST covers
 * `host date content-type digest (request-target)` (content-type when set), GET
 * `host date (request-target)`; `(request-target)` keeps the query string.
 *
 * Host is the URL's authority: the hostname, plus the port when it is not the scheme's default.
 * Mastodon signs the bare hostname, which is the same thing on 443; on a test instance on
 * `127.0.0.1:3001` the Host an HTTP client sends carries the port, and a verifier checks the
 * Host it received, so we sign (and the caller must send) exactly the returned `host`.
 */
export function signCavage(request: OutgoingRequest, key: SigningKey): Record<string, string> {
  const target = readTarget(request.url);
  const added: Record<string, string> = {
    host: target.url.host,
    date: (key.now ?? new Date()).toUTCString(),
  };
  const covered = ['host', 'date'];
  const values: Record<string, string> = { ...added };
  const contentType = request.headers?.['content-type'];
  if (request.body !== undefined) {
    if (contentType !== undefined) {
      covered.push('content-type');
      values['content-type'] = contentType;
    }
    added.digest = values.digest = makeDigest(request.body);
    covered.push('digest');
  }
  covered.push('(request-target)');
  values['(request-target)'] = `${request.method.toLowerCase()} ${target.pathAndQuery}`;
  const text = covered.map((name) => `${name}: ${values[name]}`).join('\n');
  const { algorithm, signature } = signBytes(key.privateKeyPem, Buffer.from(text));
  added.signature = [
    `keyId=${quote(key.keyId)}`,
    `algorithm=${quote(algorithm === 'ed25519' ? 'hs2019' : 'rsa-sha256')}`,
    `headers=${quote(covered.join(' '))}`,
    `signature=${quote(signature.toString('base64'))}`,
  ].join(',');
  return added;
}

/** What the cavage checks found before the key is needed. */
interface CavageCandidate {
  readonly keyId: string;
  readonly signature: Buffer;
  /** The signed text, with the query string in `(request-target)` and then without. */
  readonly texts: readonly string[];
}

/**
 * Every check of Mastodon's `SignedRequest` that needs no key, in its order, so a junk header
 * never costs a key fetch. `onKeyId` learns the keyId as soon as it is read, for the result.
 */
function readCavage(request: IncomingRequest, onKeyId: (keyId: string) => void): CavageCandidate {
  const header = request.headers.signature;
  if (header === undefined) throw SignatureError.refused('Request not signed');
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH)
    throw SignatureError.malformed('Signature header too large');
  const params = parseCavageHeader(header);
  const keyId = params.get('keyId');
  const signatureText = params.get('signature');
  if (!keyId || !signatureText) throw SignatureError.refused('keyId and signature are required');
  onKeyId(keyId);

  const algorithm = params.get('algorithm') ?? 'hs2019';
  if (algorithm !== 'rsa-sha256' && algorithm !== 'hs2019') {
    throw SignatureError.refused('Unsupported signature algorithm: only rsa-sha256 and hs2019');
  }
  const covered = (params.get('headers') ?? (algorithm === 'rsa-sha256' ? 'date' : '(created)'))
    .toLowerCase()
    .split(/\s+/)
    .filter((name) => name !== '');
  const covers = (name: string) => covered.includes(name);
  if (algorithm !== 'hs2019' && (covers('(created)') || covers('(expires)'))) {
    throw SignatureError.refused('(created) and (expires) are only allowed with hs2019');
  }
  if (!covers('date') && !covers('(created)')) {
    throw SignatureError.refused('The signature must cover date or (created)');
  }
  if (!covers('(request-target)') && !covers('digest')) {
    throw SignatureError.refused('The signature must cover (request-target) or digest');
  }
  const method = request.method.toUpperCase();
  if (method === 'GET' && !covers('host')) throw SignatureError.refused('A GET signature must cover host');
  if (method === 'POST' && !covers('digest'))
    throw SignatureError.refused('A POST signature must cover digest');

  if (covers('digest')) {
    const digest = checkDigest(request.headers.digest, request.body);
    if (!digest.ok) throw SignatureError.refused(digest.error);
  }

  // Only a covered (created)/(expires) may set the window: an uncovered parameter could be
  // rewritten by anyone replaying the request.
  const param = (name: 'created' | 'expires'): string => {
    const value = params.get(name);
    if (value === undefined)
      throw SignatureError.refused(`(${name}) is covered but the ${name} parameter is missing`);
    return value;
  };
  const created = covers('(created)')
    ? parseUnixSeconds(param('created'), 'created')
    : parseHttpDate(request.headers.date);
  const expires = covers('(expires)') ? parseUnixSeconds(param('expires'), 'expires') : undefined;
  checkTimeWindow(created, expires, request.now);

  if (!isStrictBase64(signatureText)) throw SignatureError.refused('Signature is not base64');
  const target = readTarget(request.url);
  const targets = [target.pathAndQuery];
  if (target.path !== target.pathAndQuery) targets.push(target.path);
  const texts = targets.map((path) =>
    covered
      .map((name) => {
        switch (name) {
          case '(request-target)':
            return `${name}: ${request.method.toLowerCase()} ${path}`;
          case '(created)':
          case '(expires)':
            return `${name}: ${params.get(name.slice(1, -1))}`;
          default: {
            const value = request.headers[name];
            if (value === undefined) throw SignatureError.refused(`Signed header ${name} is missing`);
            return `${name}: ${value}`;
          }
        }
      })
      .join('\n'),
  );
  return { keyId, signature: Buffer.from(signatureText, 'base64'), texts };
}

/**
 * Verifies a draft-cavage signature (Mastodon's rules, federation reference §4.2), throwing a
 * `SignatureError` on refusal. hs2019 is verified as RSA-SHA256, as Mastodon does.
 */
export async function verifyCavage(
  request: IncomingRequest,
  lookup: KeyLookup,
  onKeyId: (keyId: string) => void,
): Promise<{ keyId: string } & PublicKeyRecord> {
  const candidate = readCavage(request, onKeyId);
  const record = await lookup(candidate.keyId);
  if (record === null) throw SignatureError.refused('Public key not found');
  const key = readPublicKey(record.publicKeyPem);
  if (algorithmOf(key) !== 'rsa-v1_5-sha256')
    throw SignatureError.refused('Only RSA keys sign cavage signatures');
  const verified = candidate.texts.some((text) =>
    verifyBytes('rsa-v1_5-sha256', key, Buffer.from(text), candidate.signature),
  );
  if (!verified) throw new SignatureError(401, 'Signature does not verify', true);
  return { keyId: candidate.keyId, ...record };
}
