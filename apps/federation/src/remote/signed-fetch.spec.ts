import { generateKeyPairSync } from 'node:crypto';
import { type GuardedHttp, OutboundHttpError, type OutboundResponse } from '@mammut/platform';
import type { InstanceActor } from '../actors/instance-actor';
import type { DomainBlocks } from '../domain-blocks/domain-blocks';
import { SignedFetch } from './signed-fetch';

const URL_ = 'https://remote.example/users/bob';
const privateKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const instance = {
  signingKey: () => Promise.resolve({ keyId: 'https://here.example/actor#main-key', privateKeyPem }),
} as unknown as InstanceActor;
const ok = { status: 200 } as OutboundResponse;
const suspended = new Set<string>();
const blocks = {
  suspendsUrl: (url: string) => Promise.resolve(suspended.has(new URL(url).host)),
} as unknown as DomainBlocks;

/** The guarded client answering each GET in turn with what the test lists, recording the headers. */
function http(...answers: (OutboundResponse | Error)[]) {
  const sent: Record<string, string>[] = [];
  const get = jest.fn((_url: string, options: { headers?: Record<string, string> } = {}) => {
    sent.push(options.headers ?? {});
    const answer = answers.shift();
    if (!answer) return Promise.reject(new Error('unexpected GET'));
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  });
  return { client: { get } as unknown as GuardedHttp, sent };
}

const scheme = (headers: Record<string, string>) =>
  headers['signature-input'] !== undefined ? 'rfc9421' : headers.signature ? 'cavage' : 'none';

describe('SignedFetch', () => {
  it('signs draft-cavage as the instance actor, keeping the caller’s headers', async () => {
    const { client, sent } = http(ok);
    const fetcher = new SignedFetch(client, instance, blocks);
    expect(await fetcher.get(URL_, { headers: { accept: 'application/activity+json' } })).toBe(ok);
    expect(sent.map(scheme)).toEqual(['cavage']);
    expect(sent[0]?.accept).toBe('application/activity+json');
    expect(sent[0]?.signature).toContain('keyId="https://here.example/actor#main-key"');
  });

  it.each([400, 401])('knocks again signed RFC 9421 when draft-cavage is answered %i', async (status) => {
    const { client, sent } = http(
      new OutboundHttpError('bad_status', `answered ${status}`, URL_, status),
      ok,
    );
    expect(await new SignedFetch(client, instance, blocks).get(URL_)).toBe(ok);
    expect(sent.map(scheme)).toEqual(['cavage', 'rfc9421']);
  });

  it('does not knock again on another refusal or a network failure', async () => {
    for (const failure of [
      new OutboundHttpError('bad_status', 'answered 404', URL_, 404),
      new OutboundHttpError('network', 'refused', URL_),
    ]) {
      const { client, sent } = http(failure);
      await expect(new SignedFetch(client, instance, blocks).get(URL_)).rejects.toBe(failure);
      expect(sent.map(scheme)).toEqual(['cavage']);
    }
  });

  it('asks nothing of a suspended domain', async () => {
    const { client, sent } = http(ok);
    suspended.add('remote.example');
    try {
      await expect(new SignedFetch(client, instance, blocks).get(URL_)).rejects.toThrow(/suspended/);
      expect(sent).toEqual([]);
    } finally {
      suspended.delete('remote.example');
    }
  });
});
