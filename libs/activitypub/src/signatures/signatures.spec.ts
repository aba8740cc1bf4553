import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { checkContentDigest, checkDigest, makeContentDigest, makeDigest } from './digest';
import { parseCavageHeader, signCavage } from './cavage';
import { signRfc9421 } from './rfc9421';
import type { IncomingRequest, KeyLookup, OutgoingRequest, VerifyResult } from './types';
import { serializeInnerList } from './structured-fields';
import { verifySignedRequest } from './verify-request';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const pem = {
  private: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  public: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  otherPublic: otherRsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  edPrivate: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  edPublic: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};

const ACTOR = 'https://remote.example/users/alice';
const KEY_ID = `${ACTOR}#main-key`;
const GTS_ACTOR = 'https://gts.example/users/bob';
const GTS_KEY_ID = `${GTS_ACTOR}/main-key`;
const ED_KEY_ID = `${ACTOR}#ed25519-key`;
const NOW = new Date('2026-11-22T12:00:00Z');
const INBOX = 'https://mammut.example/users/carol/inbox';
const BODY = Buffer.from('{"type":"Follow","actor":"https://remote.example/users/alice"}');

/** The key lookup, recording what it was asked. */
function keys(publicKeyPem = pem.public) {
  const asked: string[] = [];
  const lookup: KeyLookup = (keyId) => {
    asked.push(keyId);
    if (keyId === KEY_ID) return Promise.resolve({ publicKeyPem, ownerId: ACTOR });
    if (keyId === GTS_KEY_ID) return Promise.resolve({ publicKeyPem, ownerId: GTS_ACTOR });
    if (keyId === ED_KEY_ID) return Promise.resolve({ publicKeyPem: pem.edPublic, ownerId: ACTOR });
    return Promise.resolve(null);
  };
  return { lookup, asked };
}

const get = (url = 'https://remote.example/users/alice/outbox?page=true'): OutgoingRequest => ({
  method: 'GET',
  url,
  headers: { accept: 'application/activity+json' },
});
const post = (body = BODY): OutgoingRequest => ({
  method: 'POST',
  url: INBOX,
  headers: { 'content-type': 'application/activity+json' },
  body,
});

/** The request as the receiver sees it, with the signer's headers added. */
function received(
  request: OutgoingRequest,
  added: Record<string, string>,
  over: Partial<IncomingRequest> = {},
): IncomingRequest {
  return {
    method: request.method,
    url: request.url,
    headers: { ...request.headers, ...added },
    body: request.body,
    now: NOW,
    ...over,
  };
}

const cavage = (request: OutgoingRequest, keyId = KEY_ID, now = NOW) =>
  received(request, signCavage(request, { keyId, privateKeyPem: pem.private, now }));
const rfc9421 = (request: OutgoingRequest, keyId = KEY_ID, privateKeyPem = pem.private, now = NOW) =>
  received(request, signRfc9421(request, { keyId, privateKeyPem, now }));

/**
 * A cavage Signature header over whatever the test asks, correctly signed, so a refusal can
 * only come from the rule under test and not from the cryptography.
 */
function customCavage(
  request: IncomingRequest,
  covered: string[],
  options: { algorithm?: string | null; params?: Record<string, string>; target?: string; raw?: string } = {},
): IncomingRequest {
  const url = new URL(request.url);
  const text = covered
    .map((name) => {
      if (name === '(request-target)') {
        return `${name}: ${request.method.toLowerCase()} ${options.target ?? url.pathname + url.search}`;
      }
      if (name === '(created)' || name === '(expires)')
        return `${name}: ${options.params?.[name.slice(1, -1)]}`;
      return `${name}: ${request.headers[name]}`;
    })
    .join('\n');
  const signature = sign('sha256', Buffer.from(text), rsa.privateKey).toString('base64');
  const algorithm = options.algorithm === undefined ? 'rsa-sha256' : options.algorithm;
  const params = [
    `keyId="${KEY_ID}"`,
    ...(algorithm === null ? [] : [`algorithm="${algorithm}"`]),
    `headers="${covered.join(' ')}"`,
    ...Object.entries(options.params ?? {}).map(([k, v]) => `${k}=${v}`),
    `signature="${signature}"`,
  ];
  return { ...request, headers: { ...request.headers, signature: (options.raw ?? '') + params.join(',') } };
}

/** An RFC 9421 signature over the components and parameters the test asks, correctly signed. */
function customRfc9421(
  request: IncomingRequest,
  components: string[],
  params: [string, string | number][],
  privateKey = rsa.privateKey,
): IncomingRequest {
  const values: Record<string, string> = {
    '@method': request.method,
    '@target-uri': request.url,
    '@authority': new URL(request.url).host,
  };
  const signatureParams = serializeInnerList(components, new Map(params));
  const base =
    components.map((c) => `"${c}": ${values[c] ?? request.headers[c]}\n`).join('') +
    `"@signature-params": ${signatureParams}`;
  const algorithm = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const signature = sign(algorithm, Buffer.from(base), privateKey).toString('base64');
  return {
    ...request,
    headers: {
      ...request.headers,
      'signature-input': `sig1=${signatureParams}`,
      signature: `sig1=:${signature}:`,
    },
  };
}

const at = (request: IncomingRequest, now: Date): IncomingRequest => ({ ...request, now });
const minutes = (n: number) => n * 60 * 1000;
const seconds = (n: number) => n * 1000;
const unix = (date: Date) => Math.floor(date.getTime() / 1000);

async function verify(request: IncomingRequest, lookup = keys().lookup): Promise<VerifyResult> {
  return verifySignedRequest(request, lookup);
}
/** A refusal with this status, inviting a key refetch or not. */
const refused = (status: 400 | 401, retryWithFreshKey = false): VerifyResult =>
  expect.objectContaining({ ok: false, status, retryWithFreshKey }) as VerifyResult;

describe('Digest and Content-Digest', () => {
  const emptySha256 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

  it('makes the SHA-256 of the raw body in both shapes', () => {
    expect(makeDigest(Buffer.alloc(0))).toBe(`SHA-256=${emptySha256}`);
    expect(makeContentDigest(undefined)).toBe(`sha-256=:${emptySha256}:`);
    expect(makeDigest(BODY)).toBe(`SHA-256=${createHash('sha256').update(BODY).digest('base64')}`);
  });

  it('checks Digest as Mastodon: sha-256 in any case among others, 32 bytes, equal to the body', () => {
    const b64 = createHash('sha256').update(BODY).digest('base64');
    expect(checkDigest(`sha-256=${b64}`, BODY)).toEqual({ ok: true });
    expect(checkDigest(`SHA-512=abcd, SHA-256=${b64}`, BODY)).toEqual({ ok: true });
    expect(checkDigest(`SHA-256=${b64}`, Buffer.from('other'))).toMatchObject({ ok: false });
    expect(checkDigest('SHA-512=abcd', BODY)).toMatchObject({ ok: false });
    expect(checkDigest('SHA-256=not*base64', BODY)).toMatchObject({ ok: false });
    expect(checkDigest(`SHA-256=${Buffer.alloc(16).toString('base64')}`, BODY)).toMatchObject({ ok: false });
    expect(checkDigest(undefined, BODY)).toMatchObject({ ok: false });
  });

  it('checks Content-Digest as an RFC 8941 dictionary, telling a malformed header apart', () => {
    expect(checkContentDigest(makeContentDigest(BODY), BODY)).toEqual({ ok: true });
    expect(checkContentDigest(`sha-512=:AAAA:, ${makeContentDigest(BODY)}`, BODY)).toEqual({ ok: true });
    expect(checkContentDigest(makeContentDigest(BODY), Buffer.from('x'))).toEqual({
      ok: false,
      error: 'Content-Digest mismatch',
    });
    expect(checkContentDigest('sha-256=abc(', BODY)).toMatchObject({ ok: false, malformed: true });
    expect(checkContentDigest('sha-512=:AAAA:', BODY)).toMatchObject({ ok: false });
  });
});

describe('cavage header parsing', () => {
  it('reads tokens and quoted strings, tolerating a stray "Signature " prefix', () => {
    const params = parseCavageHeader('Signature keyId="k\\"1",algorithm=hs2019, signature="c2ln"');
    expect([...params]).toEqual([
      ['keyId', 'k"1'],
      ['algorithm', 'hs2019'],
      ['signature', 'c2ln'],
    ]);
  });
});

describe('signing', () => {
  it('signs a cavage POST over host date content-type digest (request-target), host with a non-default port', () => {
    const request = { ...post(), url: 'http://127.0.0.1:3001/inbox?x=1' };
    const added = signCavage(request, { keyId: KEY_ID, privateKeyPem: pem.private, now: NOW });
    expect(added.host).toBe('127.0.0.1:3001');
    expect(added.date).toBe('Sun, 22 Nov 2026 12:00:00 GMT');
    expect(added.digest).toBe(makeDigest(BODY));
    const params = parseCavageHeader(added.signature);
    expect(params.get('keyId')).toBe(KEY_ID);
    expect(params.get('algorithm')).toBe('rsa-sha256');
    expect(params.get('headers')).toBe('host date content-type digest (request-target)');
  });

  it('signs a cavage GET over host date (request-target), the default port left out', () => {
    const added = signCavage(get('https://remote.example:443/users/alice'), {
      keyId: KEY_ID,
      privateKeyPem: pem.private,
      now: NOW,
    });
    expect(added.host).toBe('remote.example');
    expect(added.digest).toBeUndefined();
    expect(parseCavageHeader(added.signature).get('headers')).toBe('host date (request-target)');
  });

  it('signs RFC 9421 over @method @target-uri content-digest with created and keyid', () => {
    const added = signRfc9421(post(), { keyId: KEY_ID, privateKeyPem: pem.private, now: NOW });
    expect(added['content-digest']).toBe(makeContentDigest(BODY));
    expect(added['signature-input']).toBe(
      `sig1=("@method" "@target-uri" "content-digest");created=${unix(NOW)};keyid="${KEY_ID}"`,
    );
    expect(added.signature).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/);
    const getInput = signRfc9421(get(), { keyId: KEY_ID, privateKeyPem: pem.private, now: NOW })[
      'signature-input'
    ];
    expect(getInput).toBe(`sig1=("@method" "@target-uri");created=${unix(NOW)};keyid="${KEY_ID}"`);
  });
});

describe('verifying draft-cavage signatures', () => {
  it('accepts a good GET and names the key and its owner', async () => {
    const { lookup, asked } = keys();
    expect(await verify(cavage(get()), lookup)).toEqual({
      ok: true,
      keyId: KEY_ID,
      ownerId: ACTOR,
      scheme: 'cavage',
    });
    expect(asked).toEqual([KEY_ID]);
  });

  it('accepts a good POST', async () => {
    expect(await verify(cavage(post()))).toEqual({
      ok: true,
      keyId: KEY_ID,
      ownerId: ACTOR,
      scheme: 'cavage',
    });
  });

  it('accepts hs2019, with Date or with (created) and (expires), and an absent algorithm as hs2019', async () => {
    const base = received(post(), {
      host: 'mammut.example',
      date: NOW.toUTCString(),
      digest: makeDigest(BODY),
    });
    const covered = ['(request-target)', 'host', 'date', 'digest'];
    expect(await verify(customCavage(base, covered, { algorithm: 'hs2019' }))).toMatchObject({ ok: true });
    expect(await verify(customCavage(base, covered, { algorithm: null }))).toMatchObject({ ok: true });
    const timed = customCavage(base, ['(request-target)', '(created)', '(expires)', 'host', 'digest'], {
      algorithm: 'hs2019',
      params: { created: String(unix(NOW)), expires: String(unix(NOW) + 3600) },
    });
    expect(await verify(timed)).toMatchObject({ ok: true });
  });

  it('accepts a GoToSocial-style keyId without a fragment, looked up as given', async () => {
    const { lookup, asked } = keys();
    expect(await verify(cavage(get(), GTS_KEY_ID), lookup)).toEqual({
      ok: true,
      keyId: GTS_KEY_ID,
      ownerId: GTS_ACTOR,
      scheme: 'cavage',
    });
    expect(asked).toEqual([GTS_KEY_ID]);
  });

  it('tolerates a stray "Signature " prefix', async () => {
    const base = received(get(), { host: 'remote.example', date: NOW.toUTCString() });
    const signed = customCavage(base, ['(request-target)', 'host', 'date'], { raw: 'Signature ' });
    expect(await verify(signed)).toMatchObject({ ok: true });
  });

  it('tries (request-target) with the query string, then without it', async () => {
    const base = received(get(), { host: 'remote.example', date: NOW.toUTCString() });
    const covered = ['(request-target)', 'host', 'date'];
    expect(await verify(customCavage(base, covered))).toMatchObject({ ok: true });
    expect(await verify(customCavage(base, covered, { target: '/users/alice/outbox' }))).toMatchObject({
      ok: true,
    });
    expect(await verify(customCavage(base, covered, { target: '/users/alice/outbox?page=false' }))).toEqual(
      refused(401, true),
    );
  });

  it('refuses a Digest that is not the body it came with', async () => {
    const signed = cavage(post());
    const wrongDigest = customCavage(
      { ...signed, headers: { ...signed.headers, digest: makeDigest(Buffer.from('other')) } },
      ['(request-target)', 'host', 'date', 'digest'],
    );
    expect(await verify(wrongDigest)).toEqual(refused(401));
  });

  it('refuses a body changed after signing', async () => {
    const { lookup, asked } = keys();
    const changed = { ...cavage(post()), body: Buffer.from('{"type":"Delete"}') };
    expect(await verify(changed, lookup)).toEqual(refused(401));
    expect(asked).toEqual([]);
  });

  it('refuses a Digest of another algorithm or not base64', async () => {
    const base = received(post(), { host: 'mammut.example', date: NOW.toUTCString() });
    const covered = ['(request-target)', 'host', 'date', 'digest'];
    const sha512 = { ...base, headers: { ...base.headers, digest: 'SHA-512=AAAA' } };
    expect(await verify(customCavage(sha512, covered))).toEqual(refused(401));
    const junk = { ...base, headers: { ...base.headers, digest: 'SHA-256=%%%' } };
    expect(await verify(customCavage(junk, covered))).toEqual(refused(401));
  });

  it('takes a Date from 60 minutes ahead to 65 minutes behind, and nothing outside', async () => {
    const signedAt = (now: Date) => cavage(get(), KEY_ID, now);
    const ahead = (ms: number) => at(signedAt(new Date(NOW.getTime() + ms)), NOW);
    const behind = (ms: number) => at(signedAt(new Date(NOW.getTime() - ms)), NOW);
    expect(await verify(ahead(minutes(60)))).toMatchObject({ ok: true });
    expect(await verify(ahead(minutes(60) + seconds(1)))).toEqual(refused(401));
    expect(await verify(behind(minutes(65)))).toMatchObject({ ok: true });
    expect(await verify(behind(minutes(65) + seconds(1)))).toEqual(refused(401));
  });

  it('caps an explicit (expires) at 12 hours after (created)', async () => {
    const base = received(get(), { host: 'remote.example' });
    const created = unix(NOW);
    const signed = customCavage(base, ['(request-target)', 'host', '(created)', '(expires)'], {
      algorithm: 'hs2019',
      params: { created: String(created), expires: String(created + 48 * 3600) },
    });
    expect(await verify(at(signed, new Date(NOW.getTime() + minutes(13 * 60 - 1))))).toMatchObject({
      ok: true,
    });
    expect(await verify(at(signed, new Date(NOW.getTime() + minutes(13 * 60) + seconds(1))))).toEqual(
      refused(401),
    );
  });

  it('refuses (created) or (expires) with rsa-sha256', async () => {
    const base = received(get(), { host: 'remote.example' });
    const signed = customCavage(base, ['(request-target)', 'host', '(created)'], {
      params: { created: String(unix(NOW)) },
    });
    expect(await verify(signed)).toEqual(refused(401));
  });

  it('refuses a GET that does not cover host, and a POST that does not cover digest', async () => {
    const getBase = received(get(), { host: 'remote.example', date: NOW.toUTCString() });
    expect(await verify(customCavage(getBase, ['(request-target)', 'date']))).toEqual(refused(401));
    const postBase = received(post(), {
      host: 'mammut.example',
      date: NOW.toUTCString(),
      digest: makeDigest(BODY),
    });
    expect(await verify(customCavage(postBase, ['(request-target)', 'host', 'date']))).toEqual(refused(401));
  });

  it('refuses a signature covering neither date nor (created), or neither (request-target) nor digest', async () => {
    const base = received(get(), { host: 'remote.example', date: NOW.toUTCString() });
    expect(await verify(customCavage(base, ['(request-target)', 'host']))).toEqual(refused(401));
    expect(await verify(customCavage(base, ['host', 'date']))).toEqual(refused(401));
  });

  it('refuses a covered header the request does not carry', async () => {
    const base = received(post(), {
      host: 'mammut.example',
      date: NOW.toUTCString(),
      digest: makeDigest(BODY),
    });
    const signed = customCavage(base, ['(request-target)', 'host', 'date', 'digest']);
    const { digest: _digest, ...withoutDigest } = signed.headers;
    expect(await verify({ ...signed, headers: withoutDigest })).toEqual(refused(401));
  });

  it('refuses duplicated parameters as malformed, without looking a key up', async () => {
    const { lookup, asked } = keys();
    const signed = cavage(get());
    const header = `keyId="https://evil.example/key",${signed.headers.signature}`;
    expect(await verify({ ...signed, headers: { ...signed.headers, signature: header } }, lookup)).toEqual(
      refused(400),
    );
    expect(asked).toEqual([]);
  });

  it('refuses a 100 kB Signature header as malformed, quickly and without a lookup', async () => {
    const { lookup, asked } = keys();
    const signed = cavage(get());
    const header = `${signed.headers.signature},junk="${'a'.repeat(100 * 1024)}"`;
    const started = performance.now();
    const result = await verify({ ...signed, headers: { ...signed.headers, signature: header } }, lookup);
    expect(performance.now() - started).toBeLessThan(100);
    expect(result).toEqual(refused(400));
    expect(asked).toEqual([]);
  });

  it('refuses a CRLF in keyId as malformed, without a lookup', async () => {
    const { lookup, asked } = keys();
    const signed = cavage(get());
    const header = signed.headers.signature!.replace(KEY_ID, `${KEY_ID}\r\nX-Injected: 1`);
    expect(await verify({ ...signed, headers: { ...signed.headers, signature: header } }, lookup)).toEqual(
      refused(400),
    );
    expect(asked).toEqual([]);
  });

  it('refuses a header without keyId or signature, another algorithm, or no signature at all', async () => {
    const signed = cavage(get());
    const withHeader = (signature: string) => ({ ...signed, headers: { ...signed.headers, signature } });
    expect(await verify(withHeader('algorithm="rsa-sha256",signature="c2ln"'))).toEqual(refused(401));
    expect(await verify(withHeader(`keyId="${KEY_ID}",headers="date"`))).toEqual(refused(401));
    expect(await verify(withHeader(signed.headers.signature!.replace('rsa-sha256', 'hmac-sha256')))).toEqual(
      refused(401),
    );
    const { signature: _signature, ...unsigned } = signed.headers;
    expect(await verify({ ...signed, headers: unsigned })).toEqual(refused(401));
  });

  it('refuses an unknown key without inviting a refetch, and a wrong key inviting one', async () => {
    expect(await verify(cavage(get(), 'https://remote.example/users/nobody#main-key'))).toEqual(
      refused(401, false),
    );
    const result = await verify(cavage(get()), keys(pem.otherPublic).lookup);
    expect(result).toMatchObject({ ok: false, status: 401, retryWithFreshKey: true, keyId: KEY_ID });
  });

  it('lets a failing key lookup through, for the caller to answer 503', async () => {
    const down: KeyLookup = () => Promise.reject(new Error('peer timed out'));
    await expect(verifySignedRequest(cavage(get()), down)).rejects.toThrow('peer timed out');
  });
});

describe('verifying RFC 9421 signatures', () => {
  it('accepts a good GET and a good POST', async () => {
    const ok = { ok: true, keyId: KEY_ID, ownerId: ACTOR, scheme: 'rfc9421' };
    expect(await verify(rfc9421(get()))).toEqual(ok);
    expect(await verify(rfc9421(post()))).toEqual(ok);
  });

  it('accepts an Ed25519 signature, and refuses an alg that does not match the key', async () => {
    expect(await verify(rfc9421(post(), ED_KEY_ID, pem.edPrivate))).toMatchObject({ ok: true });
    const base = received(post(), { 'content-digest': makeContentDigest(BODY) });
    const components = ['@method', '@target-uri', 'content-digest'];
    const params: [string, string | number][] = [
      ['created', unix(NOW)],
      ['keyid', ED_KEY_ID],
    ];
    const mislabelled = customRfc9421(
      base,
      components,
      [...params, ['alg', 'rsa-v1_5-sha256']],
      ed.privateKey,
    );
    expect(await verify(mislabelled)).toEqual(refused(401));
    expect(
      await verify(customRfc9421(base, components, [...params, ['alg', 'ed25519']], ed.privateKey)),
    ).toMatchObject({ ok: true });
  });

  it('accepts other covered components (Fedify adds @authority, host and date)', async () => {
    const base = received(post(), {
      host: 'mammut.example',
      date: NOW.toUTCString(),
      'content-digest': makeContentDigest(BODY),
    });
    const signed = customRfc9421(
      base,
      ['@method', '@target-uri', '@authority', 'host', 'date', 'content-digest'],
      [
        ['alg', 'rsa-v1_5-sha256'],
        ['keyid', KEY_ID],
        ['created', unix(NOW)],
      ],
    );
    expect(await verify(signed)).toMatchObject({ ok: true });
  });

  it('refuses a body changed after signing, and a Content-Digest that is not a dictionary', async () => {
    const signed = rfc9421(post());
    expect(await verify({ ...signed, body: Buffer.from('{}') })).toEqual(refused(401));
    expect(
      await verify({ ...signed, headers: { ...signed.headers, 'content-digest': 'sha-256=(' } }),
    ).toEqual(refused(400));
  });

  it('refuses a missing created, a missing @target-uri, a POST without content-digest, two signatures', async () => {
    const base = received(post(), { 'content-digest': makeContentDigest(BODY) });
    const created: [string, number] = ['created', unix(NOW)];
    const keyid: [string, string] = ['keyid', KEY_ID];
    const all = ['@method', '@target-uri', 'content-digest'];
    expect(await verify(customRfc9421(base, all, [keyid]))).toEqual(refused(401));
    expect(await verify(customRfc9421(base, ['@method', 'content-digest'], [created, keyid]))).toEqual(
      refused(401),
    );
    expect(await verify(customRfc9421(base, ['@method', '@target-uri'], [created, keyid]))).toEqual(
      refused(401),
    );
    const one = customRfc9421(base, all, [created, keyid]);
    const two = {
      ...one,
      headers: {
        ...one.headers,
        'signature-input': `${one.headers['signature-input']}, ${one.headers['signature-input']!.replace('sig1', 'sig2')}`,
        signature: `${one.headers.signature}, ${one.headers.signature!.replace('sig1', 'sig2')}`,
      },
    };
    expect(await verify(two)).toEqual(refused(401));
  });

  it('keeps the created window of cavage', async () => {
    const signedAt = (ms: number) =>
      at(rfc9421(get(), KEY_ID, pem.private, new Date(NOW.getTime() + ms)), NOW);
    expect(await verify(signedAt(minutes(60)))).toMatchObject({ ok: true });
    expect(await verify(signedAt(minutes(60) + seconds(1)))).toEqual(refused(401));
    expect(await verify(signedAt(-minutes(65)))).toMatchObject({ ok: true });
    expect(await verify(signedAt(-minutes(65) - seconds(1)))).toEqual(refused(401));
  });

  it('refuses a request whose URL differs from the signed @target-uri', async () => {
    const signed = rfc9421(get());
    expect(await verify({ ...signed, url: 'https://remote.example/users/alice/outbox?page=false' })).toEqual(
      refused(401, true),
    );
  });

  it('answers 400 to a Signature-Input that is not a dictionary, and a huge one, without a lookup', async () => {
    const { lookup, asked } = keys();
    const signed = rfc9421(get());
    const withInput = (input: string) => ({
      ...signed,
      headers: { ...signed.headers, 'signature-input': input },
    });
    expect(await verify(withInput('sig1=("@method" "@target-uri";created=1'), lookup)).toEqual(refused(400));
    expect(await verify(withInput(`sig1=("${'a'.repeat(100 * 1024)}")`), lookup)).toEqual(refused(400));
    expect(asked).toEqual([]);
  });
});
