import { signCavage, signRfc9421 } from '@mammut/activitypub';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fresh RSA-2048 key pair as PEM, as a remote actor signs with. */
export const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

/** A remote server on loopback serving one actor document per path, counting its fetches. */
export class Peer {
  private server?: Server;
  readonly actors = new Map<string, unknown>();
  /** What was POSTed to it: inbox deliveries. */
  readonly received: { path: string; headers: Record<string, string>; body: Buffer }[] = [];
  /** Refuses draft-cavage signatures with 401, as a server speaking only RFC 9421 would. */
  onlyRfc9421 = false;
  /** What it answers a POST with (a server in trouble answers 503). */
  postStatus = 202;
  /** POSTs that reached it, answered or not. */
  posts = 0;
  fetches = 0;
  /** The GETs it was asked, with their headers (signed fetches carry a signature). */
  readonly gets: { path: string; headers: Record<string, string> }[] = [];

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.method === 'POST') {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          this.posts += 1;
          if (this.postStatus >= 300) {
            response.writeHead(this.postStatus).end();
            return;
          }
          if (this.onlyRfc9421 && request.headers['signature-input'] === undefined) {
            response.writeHead(401).end();
            return;
          }
          this.received.push({
            path: request.url ?? '',
            headers: Object.fromEntries(
              Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
            ),
            body: Buffer.concat(chunks),
          });
          response.writeHead(202).end();
        });
        return;
      }
      this.fetches += 1;
      this.gets.push({
        path: request.url ?? '',
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
        ),
      });
      const actor = this.actors.get(request.url ?? '');
      if (!actor) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/activity+json' }).end(JSON.stringify(actor));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  /** The activities delivered to `path` so far, parsed, in order of arrival. */
  activitiesAt(
    path: string,
  ): { activity: Record<string, unknown>; headers: Record<string, string>; body: Buffer }[] {
    return this.received
      .filter((item) => item.path === path)
      .map((item) => ({
        activity: JSON.parse(item.body.toString()) as Record<string, unknown>,
        headers: item.headers,
        body: item.body,
      }));
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Serves `username` as a Person signing with `publicKeyPem` (and a featured collection if asked); answers its id. */
  person(
    username: string,
    publicKeyPem: string,
    options: { manuallyApprovesFollowers?: boolean; featured?: boolean } = {},
  ): string {
    const id = `${this.origin}/users/${username}`;
    this.actors.set(`/users/${username}`, {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id,
      type: 'Person',
      preferredUsername: username,
      name: `Remote ${username}`,
      summary: '<p>from elsewhere</p>',
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      followers: `${id}/followers`,
      following: `${id}/following`,
      endpoints: { sharedInbox: `${this.origin}/inbox` },
      ...(options.featured ? { featured: `${id}/collections/featured` } : {}),
      manuallyApprovesFollowers: options.manuallyApprovesFollowers ?? false,
      publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
    });
    return id;
  }
}

/** A signing key as the signature helpers take it. */
export interface SigningKey {
  keyId: string;
  privateKeyPem: string;
}

/**
 * POSTs `body` to `url` as a peer would deliver an activity: signed with `key` as draft-cavage
 * (Mastodon's default) or RFC 9421, or not at all.
 */
export function deliverSigned(
  url: string,
  body: Buffer | string,
  key: SigningKey,
  sign: 'cavage' | 'rfc9421' | 'none' = 'cavage',
  contentType = 'application/activity+json',
): Promise<Response> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = { 'content-type': contentType };
  const request = { method: 'POST', url, headers, body: bytes };
  const signed =
    sign === 'cavage' ? signCavage(request, key) : sign === 'rfc9421' ? signRfc9421(request, key) : {};
  return fetch(url, { method: 'POST', headers: { ...headers, ...signed }, body: bytes });
}
