import { checkContentDigest, makeContentDigest } from './digest';
import { algorithmOf, readPublicKey, signBytes, verifyBytes } from './keys';
import { readTarget, type TargetUrl } from './request-target';
import { MAX_SIGNATURE_HEADER_LENGTH, SignatureError } from './signature-error';
import {
  parseDictionary,
  serializeInnerList,
  serializeString,
  type SfInnerList,
  type SfItem,
} from './structured-fields';
import { checkTimeWindow, parseUnixSeconds } from './time-window';
import type { IncomingRequest, KeyLookup, OutgoingRequest, PublicKeyRecord, SigningKey } from './types';

/*
 * RFC 9421 HTTP Message Signatures, the profile Mastodon sends and accepts: one signature,
 * `created` and `keyid` parameters, `@method` and `@target-uri` covered, plus `content-digest`
 * when there is a body. RFC 8941 structured fields are read and written by `structured-headers`.
 */

const LABEL = 'sig1';

/** The value of one covered component in a request, or undefined when the request lacks it. */
function componentValue(name: string, request: IncomingRequest, target: TargetUrl): string | undefined {
  switch (name) {
    case '@method':
      return request.method;
    case '@target-uri':
      return request.url;
    case '@authority':
      return target.url.host;
    case '@scheme':
      return target.url.protocol.slice(0, -1);
    case '@request-target':
      return target.pathAndQuery;
    case '@path':
      return target.path;
    case '@query': {
      const query = target.pathAndQuery.slice(target.path.length);
      return query === '' ? '?' : query;
    }
    default:
      // Derived components we do not know (`@status` is for responses) fail verification.
      if (name.startsWith('@')) return undefined;
      return request.headers[name]?.trim();
  }
}

/** The signature base (RFC 9421 §2.5): one line per covered component, then the parameters. */
function signatureBase(lines: readonly [string, string][], signatureParams: string): Buffer {
  const text = lines.map(([name, value]) => `${serializeString(name)}: ${value}\n`).join('');
  return Buffer.from(`${text}"@signature-params": ${signatureParams}`);
}

/** Signs a request with RFC 9421 as Mastodon's double-knock does, returning the headers to add. */
export function signRfc9421(request: OutgoingRequest, key: SigningKey): Record<string, string> {
  const url = new URL(request.url).href;
  const added: Record<string, string> = {};
  const lines: [string, string][] = [
    ['@method', request.method.toUpperCase()],
    ['@target-uri', url],
  ];
  if (request.body !== undefined) {
    added['content-digest'] = makeContentDigest(request.body);
    lines.push(['content-digest', added['content-digest']]);
  }
  const created = Math.floor((key.now ?? new Date()).getTime() / 1000);
  const signatureParams = serializeInnerList(
    lines.map(([name]) => name),
    new Map<string, string | number>([
      ['created', created],
      ['keyid', key.keyId],
    ]),
  );
  const { signature } = signBytes(key.privateKeyPem, signatureBase(lines, signatureParams));
  added['signature-input'] = `${LABEL}=${signatureParams}`;
  added.signature = `${LABEL}=:${signature.toString('base64')}:`;
  return added;
}

const parseHeader = (value: string, name: string): ReadonlyMap<string, SfItem | SfInnerList> => {
  if (value.length > MAX_SIGNATURE_HEADER_LENGTH) throw SignatureError.malformed(`${name} header too large`);
  try {
    return parseDictionary(value);
  } catch {
    throw SignatureError.malformed(`${name} header is not a structured dictionary`);
  }
};

/** What the RFC 9421 checks found before the key is needed. */
interface Rfc9421Candidate {
  readonly keyId: string;
  readonly alg: string | undefined;
  readonly base: Buffer;
  readonly signature: Buffer;
}

/** Every check that needs no key, so a junk header never costs a key fetch. */
function readRfc9421(request: IncomingRequest, onKeyId: (keyId: string) => void): Rfc9421Candidate {
  const inputs = parseHeader(request.headers['signature-input'] ?? '', 'Signature-Input');
  const signatureHeader = request.headers.signature;
  if (signatureHeader === undefined) throw SignatureError.refused('Signature header missing');
  const signatures = parseHeader(signatureHeader, 'Signature');
  if (inputs.size !== 1) throw SignatureError.refused('Exactly one signature is supported');
  const [[label, input]] = inputs;
  const signed = signatures.get(label);
  if (signed === undefined) throw SignatureError.refused(`No signature labelled ${label}`);
  if (signed.kind !== 'item' || !Buffer.isBuffer(signed.value)) {
    throw SignatureError.malformed('Signature member is not a byte sequence');
  }
  if (input.kind !== 'list') throw SignatureError.malformed('Signature-Input member is not an inner list');

  const params = input.params;
  const keyId = params.get('keyid');
  if (typeof keyId !== 'string' || keyId === '') throw SignatureError.refused('keyid is required');
  onKeyId(keyId);
  const created = params.get('created');
  if (created === undefined) throw SignatureError.refused('created is required');
  if (typeof created !== 'number' || !Number.isInteger(created))
    throw SignatureError.refused('Invalid created parameter');
  const expires = params.get('expires');
  if (expires !== undefined && typeof expires !== 'number')
    throw SignatureError.refused('Invalid expires parameter');
  const alg = params.get('alg');
  if (alg !== undefined && alg !== 'rsa-v1_5-sha256' && alg !== 'ed25519') {
    throw SignatureError.refused('Unsupported signature algorithm: only rsa-v1_5-sha256 and ed25519');
  }

  const covered: string[] = [];
  for (const { value: name, params: componentParams } of input.items) {
    if (typeof name !== 'string') throw SignatureError.malformed('Covered components must be strings');
    if (componentParams.size > 0)
      throw SignatureError.refused(`Component parameters are not supported (${name})`);
    if (name !== name.toLowerCase()) throw SignatureError.refused(`Component names are lower-case (${name})`);
    if (covered.includes(name)) throw SignatureError.refused(`Component ${name} is covered twice`);
    covered.push(name);
  }
  if (!covered.includes('@method') || !covered.includes('@target-uri')) {
    throw SignatureError.refused('The signature must cover @method and @target-uri');
  }
  if (request.method.toUpperCase() === 'POST' && !covered.includes('content-digest')) {
    throw SignatureError.refused('A POST signature must cover content-digest');
  }
  if (covered.includes('content-digest')) {
    const digest = checkContentDigest(request.headers['content-digest'], request.body);
    if (!digest.ok) throw new SignatureError('malformed' in digest ? 400 : 401, digest.error);
  }
  checkTimeWindow(
    parseUnixSeconds(created, 'created'),
    expires === undefined ? undefined : parseUnixSeconds(expires, 'expires'),
    request.now,
  );

  const target = readTarget(request.url);
  const lines = covered.map((name): [string, string] => {
    const value = componentValue(name, request, target);
    if (value === undefined) throw SignatureError.refused(`Covered component ${name} is missing`);
    return [name, value];
  });
  return {
    keyId,
    alg,
    base: signatureBase(lines, input.serialized),
    signature: signed.value,
  };
}

/**
 * Verifies an RFC 9421 signature (Mastodon's rules, federation reference §4.2), throwing a
 * `SignatureError` on refusal. The algorithm follows the key's type (RSA or Ed25519); an `alg`
 * parameter, when sent, must agree with it.
 */
export async function verifyRfc9421(
  request: IncomingRequest,
  lookup: KeyLookup,
  onKeyId: (keyId: string) => void,
): Promise<{ keyId: string } & PublicKeyRecord> {
  const candidate = readRfc9421(request, onKeyId);
  const record = await lookup(candidate.keyId);
  if (record === null) throw SignatureError.refused('Public key not found');
  const key = readPublicKey(record.publicKeyPem);
  const algorithm = algorithmOf(key);
  if (algorithm === null) throw SignatureError.refused('Unsupported key type');
  if (candidate.alg !== undefined && candidate.alg !== algorithm) {
    throw SignatureError.refused('The alg parameter does not match the key');
  }
  if (!verifyBytes(algorithm, key, candidate.base, candidate.signature)) {
    throw new SignatureError(401, 'Signature does not verify', true);
  }
  return { keyId: candidate.keyId, ...record };
}
