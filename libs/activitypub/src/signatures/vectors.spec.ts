import { generateKeyPairSync, sign } from 'node:crypto';
import { makeContentDigest, makeDigest } from './digest';
import type { IncomingRequest, KeyLookup } from './types';
import { verifySignedRequest } from './verify-request';

/*
 * Signature vectors as a table: each row is a request as it reaches us, signed correctly over what
 * the row says (so a refusal comes from the rule under test, never from the cryptography), and
 * the answer Mastodon's verifier gives it (§4.2 of the federation reference). The two controls
 * are the requests the other rows start from. Vectors already pinned in signatures.spec.ts (good
 * GET and POST of both specs, the Date window of rsa-sha256 and RFC 9421, host on GET, a
 * duplicated keyId, cavage with and without the query, hs2019 with Date and (created), the
 * GoToSocial keyId on a GET, a body changed in transit, covering neither (request-target) nor
 * digest) are not repeated here.
 */

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const ACTOR = 'https://remote.example/users/alice';
const KEY_ID = `${ACTOR}#main-key`;
const GTS_ACTOR = 'https://gts.example/users/bob';
const GTS_KEY_ID = `${GTS_ACTOR}/main-key`;
const NOW = new Date('2026-11-22T12:00:00Z');
const INBOX = 'https://mammut.example/users/carol/inbox';
const BODY = Buffer.from('{"type":"Like","actor":"https://remote.example/users/alice"}');
const OTHER_BODY = Buffer.from('{"type":"Delete","actor":"https://remote.example/users/alice"}');

const lookup: KeyLookup = (keyId) =>
  Promise.resolve(
    keyId === KEY_ID
      ? { publicKeyPem, ownerId: ACTOR }
      : keyId === GTS_KEY_ID
        ? { publicKeyPem, ownerId: GTS_ACTOR }
        : null,
  );

const unix = (date: Date) => Math.floor(date.getTime() / 1000);
const later = (minutes: number, seconds = 0) => new Date(NOW.getTime() + (minutes * 60 + seconds) * 1000);

const post = (url = INBOX, extra: Record<string, string> = {}): IncomingRequest => ({
  method: 'POST',
  url,
  headers: {
    host: new URL(url).host,
    date: NOW.toUTCString(),
    'content-type': 'application/activity+json',
    digest: makeDigest(BODY),
    'content-digest': makeContentDigest(BODY),
    'user-agent': 'Peer/1.0',
    ...extra,
  },
  body: BODY,
  now: NOW,
});

const get = (url: string): IncomingRequest => ({
  method: 'GET',
  url,
  headers: { host: new URL(url).host, date: NOW.toUTCString(), accept: 'application/activity+json' },
  body: undefined,
  now: NOW,
});

interface CavageOptions {
  keyId?: string;
  algorithm?: string;
  /** The `(request-target)` path signed, when it is not the request's own. */
  target?: string;
  /** Extra parameters, written as given (`created=…`, or a repeated one). */
  params?: string[];
  /** Header values signed, when they differ from what the request carries (a change in transit). */
  signedValues?: Record<string, string>;
}

/** A cavage Signature header over `covered`, added to `request`. */
function cavage(request: IncomingRequest, covered: string[], options: CavageOptions = {}): IncomingRequest {
  const url = new URL(request.url);
  const extra = new Map(options.params?.map((param) => param.split('=') as [string, string]));
  const line = (name: string) => {
    if (name === '(request-target)')
      return `${name}: ${request.method.toLowerCase()} ${options.target ?? url.pathname + url.search}`;
    if (name === '(created)' || name === '(expires)') return `${name}: ${extra.get(name.slice(1, -1))}`;
    return `${name}: ${options.signedValues?.[name] ?? request.headers[name]}`;
  };
  const signature = sign('sha256', Buffer.from(covered.map(line).join('\n')), rsa.privateKey).toString(
    'base64',
  );
  const header = [
    `keyId="${options.keyId ?? KEY_ID}"`,
    `algorithm="${options.algorithm ?? 'rsa-sha256'}"`,
    `headers="${covered.join(' ')}"`,
    ...(options.params ?? []),
    `signature="${signature}"`,
  ].join(',');
  return { ...request, headers: { ...request.headers, signature: header } };
}

/** An RFC 9421 signature over `components` with `params` written as given, added to `request`. */
function rfc9421(
  request: IncomingRequest,
  components: string[],
  params = `;created=${unix(NOW)};keyid="${KEY_ID}"`,
  signedValues: Record<string, string> = {},
): IncomingRequest {
  const value = (name: string) =>
    signedValues[name] ??
    (name === '@method' ? request.method : name === '@target-uri' ? request.url : request.headers[name]);
  const signatureParams = `(${components.map((c) => `"${c}"`).join(' ')})${params}`;
  const base = `${components.map((c) => `"${c}": ${value(c)}\n`).join('')}"@signature-params": ${signatureParams}`;
  const signature = sign('sha256', Buffer.from(base), rsa.privateKey).toString('base64');
  return {
    ...request,
    headers: {
      ...request.headers,
      'signature-input': `sig1=${signatureParams}`,
      signature: `sig1=:${signature}:`,
    },
  };
}

const withHeaders = (request: IncomingRequest, headers: Record<string, string>): IncomingRequest => ({
  ...request,
  headers: { ...request.headers, ...headers },
});

const CAVAGE_POST = ['(request-target)', 'host', 'date', 'content-type', 'digest'];
const CAVAGE_GET = ['(request-target)', 'host', 'date'];
const RFC9421_POST = ['@method', '@target-uri', 'content-digest'];

type Expected = 'accepted' | 400 | 401;

const vectors: [string, () => IncomingRequest, Expected][] = [
  // Controls.
  ['control: a cavage POST', () => cavage(post(), CAVAGE_POST), 'accepted'],
  ['control: an RFC 9421 POST', () => rfc9421(post(), RFC9421_POST), 'accepted'],

  // Wrong digest, signed as sent: the signature holds, the digest does not match the body.
  [
    'Content-Digest of another body, covered by an RFC 9421 signature',
    () => rfc9421(withHeaders(post(), { 'content-digest': makeContentDigest(OTHER_BODY) }), RFC9421_POST),
    401,
  ],

  // The (created) window of hs2019, as Date's: one hour ahead, 65 minutes behind.
  ...(
    [
      ['(created) 60 min ahead', later(60), 'accepted'],
      ['(created) 60 min 1 s ahead', later(60, 1), 401],
      ['(created) 65 min behind', later(-65), 'accepted'],
      ['(created) 65 min 1 s behind', later(-65, -1), 401],
    ] as const
  ).map(([name, created, expected]): [string, () => IncomingRequest, Expected] => [
    `hs2019 with ${name}`,
    () =>
      cavage(post(), ['(request-target)', 'host', '(created)', 'digest'], {
        algorithm: 'hs2019',
        params: [`created=${unix(created)}`],
      }),
    expected,
  ]),

  // host: required on GET only, as Mastodon.
  [
    'a cavage POST not covering host',
    () => cavage(post(), ['(request-target)', 'date', 'content-type', 'digest']),
    'accepted',
  ],

  // Duplicated parameters: malformed, whichever parameter repeats.
  ...['algorithm="rsa-sha256"', 'headers="date"', 'signature="c2ln"'].map(
    (repeated): [string, () => IncomingRequest, Expected] => [
      `a cavage header repeating ${repeated.split('=')[0]}`,
      () => cavage(post(), CAVAGE_POST, { params: [repeated] }),
      400,
    ],
  ),
  [
    'an RFC 9421 Signature-Input repeating keyid (another key named first)',
    () =>
      rfc9421(
        post(),
        RFC9421_POST,
        `;keyid="https://evil.example/key";created=${unix(NOW)};keyid="${KEY_ID}"`,
      ),
    401,
  ],

  // Query strings.
  [
    'a cavage POST to a URL with a query, (request-target) without it (Fedify)',
    () => cavage(post(`${INBOX}?x=1`), CAVAGE_POST, { target: '/users/carol/inbox' }),
    'accepted',
  ],
  [
    'a cavage GET with its query parameters signed in another order',
    () =>
      cavage(get('https://mammut.example/outbox?page=true&max_id=9'), CAVAGE_GET, {
        target: '/outbox?max_id=9&page=true',
      }),
    401,
  ],
  [
    'an RFC 9421 GET with a query, @target-uri covering it',
    () => rfc9421(get('https://mammut.example/outbox?page=true'), ['@method', '@target-uri']),
    'accepted',
  ],
  [
    'an RFC 9421 GET with a query, @target-uri signed without it',
    () =>
      rfc9421(get('https://mammut.example/outbox?page=true'), ['@method', '@target-uri'], undefined, {
        '@target-uri': 'https://mammut.example/outbox',
      }),
    401,
  ],

  // hs2019 with an RSA key, as GoToSocial signs a POST: keyId without a fragment.
  [
    'a GoToSocial POST: hs2019, keyId <actor>/main-key, (request-target) host date digest',
    () =>
      cavage(post(), ['(request-target)', 'host', 'date', 'digest'], {
        keyId: GTS_KEY_ID,
        algorithm: 'hs2019',
      }),
    'accepted',
  ],

  // Headers changed in transit: a covered one refuses, an uncovered one does not matter.
  ...(['host', 'date', 'content-type'] as const).map((name): [string, () => IncomingRequest, Expected] => [
    `a covered ${name} changed in transit`,
    () =>
      cavage(post(), CAVAGE_POST, {
        signedValues: { [name]: name === 'date' ? later(-1).toUTCString() : `other-${name}` },
      }),
    401,
  ]),
  [
    'an uncovered user-agent changed in transit',
    () => withHeaders(cavage(post(), CAVAGE_POST), { 'user-agent': 'Proxy/2.0' }),
    'accepted',
  ],
  [
    'a covered content-type changed in transit under RFC 9421',
    () =>
      rfc9421(post(), [...RFC9421_POST, 'content-type'], undefined, {
        'content-type': 'application/ld+json',
      }),
    401,
  ],
];

describe('signature vectors', () => {
  it.each(vectors)('%s', async (_name, request, expected) => {
    const result = await verifySignedRequest(request(), lookup);
    if (expected === 'accepted') expect(result).toMatchObject({ ok: true });
    else expect(result).toMatchObject({ ok: false, status: expected });
  });
});
