import { makeDigest, signCavage, signRfc9421 } from '@mammut/activitypub';
import { createSign, generateKeyPairSync } from 'node:crypto';
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
  /** The media type a path is served with, when not `application/activity+json`. */
  private readonly mediaTypes = new Map<string, string>();
  /** What was POSTed to it: inbox deliveries. */
  readonly received: { path: string; headers: Record<string, string>; body: Buffer }[] = [];
  /** Refuses draft-cavage signatures with 401, as a server speaking only RFC 9421 would. */
  onlyRfc9421 = false;
  /** What it answers a POST with (a server in trouble answers 503). */
  postStatus = 202;
  /** POSTs that reached it, answered or not. */
  posts = 0;
  fetches = 0;
  /** TCP connections it accepted, requests or not: a refused address must see none. */
  connections = 0;
  /** The GETs it was asked, with their headers (signed fetches carry a signature). */
  readonly gets: { path: string; headers: Record<string, string> }[] = [];
  /** Paths answered with a bare status (410 for an actor gone) or a redirect, instead of a document. */
  private readonly answers = new Map<string, { status: number; location?: string }>();

  /**
   * Listens on `host` (another loopback address, such as 127.0.0.2, is another "private" address
   * to the outbound guard) and `port` (the port it had, to come back after a stop).
   */
  async start(options: { host?: string; port?: number } = {}): Promise<void> {
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
      const fixed = this.answers.get(request.url ?? '');
      if (fixed) {
        response.writeHead(fixed.status, fixed.location ? { location: fixed.location } : {}).end();
        return;
      }
      const actor = this.actors.get(request.url ?? '');
      if (!actor) {
        response.writeHead(404).end();
        return;
      }
      const mediaType = this.mediaTypes.get(request.url ?? '') ?? 'application/activity+json';
      response
        .writeHead(200, { 'content-type': mediaType })
        .end(Buffer.isBuffer(actor) ? actor : JSON.stringify(actor));
    });
    this.server.on('connection', () => (this.connections += 1));
    await new Promise<void>((resolve) =>
      this.server?.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
    );
  }

  /** Answers GETs of `path` with a bare `status` (e.g. 410 Gone), or redirects them to `location`. */
  answer(path: string, status: number, location?: string): void {
    this.answers.set(path, { status, location });
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
    const { address, port } = this.server?.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Serves `document` verbatim at `path` (with its query, if any), as `mediaType`; a Buffer as its bytes. */
  serve(path: string, document: unknown, mediaType = 'application/activity+json'): void {
    this.actors.set(path, document);
    this.mediaTypes.set(path, mediaType);
  }

  /** Answers WebFinger for `username` on this peer's host, pointing at `actorId`. */
  webfinger(username: string, actorId: string): void {
    const subject = `acct:${username}@${new URL(this.origin).host}`;
    this.serve(
      `/.well-known/webfinger?resource=${encodeURIComponent(subject)}`,
      { subject, links: [{ rel: 'self', type: 'application/activity+json', href: actorId }] },
      'application/jrd+json',
    );
  }

  /** Serves `username` as a Person signing with `publicKeyPem` (and a featured collection if asked); answers its id. */
  person(
    username: string,
    publicKeyPem: string,
    options: {
      manuallyApprovesFollowers?: boolean;
      featured?: boolean;
      /** More properties of the actor document (`icon`, `image`, …). */
      extra?: Record<string, unknown>;
    } = {},
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
      ...options.extra,
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
 * Signs a POST as GoToSocial does: draft-cavage with `algorithm="hs2019"` (RSA-SHA256 in fact)
 * over `(request-target) host date digest`, content-type left uncovered.
 */
function signHs2019(request: { url: string; body: Buffer }, key: SigningKey): Record<string, string> {
  const target = new URL(request.url);
  const added = { host: target.host, date: new Date().toUTCString(), digest: makeDigest(request.body) };
  const text = [
    `(request-target): post ${target.pathname}${target.search}`,
    `host: ${added.host}`,
    `date: ${added.date}`,
    `digest: ${added.digest}`,
  ].join('\n');
  const signature = createSign('sha256').update(text).sign(key.privateKeyPem, 'base64');
  return {
    ...added,
    signature: `keyId="${key.keyId}",algorithm="hs2019",headers="(request-target) host date digest",signature="${signature}"`,
  };
}

/**
 * POSTs `body` to `url` as a peer would deliver an activity: signed with `key` as draft-cavage
 * (Mastodon's default), as GoToSocial's hs2019, or RFC 9421, or not at all.
 */
export function deliverSigned(
  url: string,
  body: Buffer | string,
  key: SigningKey,
  sign: 'cavage' | 'hs2019' | 'rfc9421' | 'none' = 'cavage',
  contentType = 'application/activity+json',
): Promise<Response> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = { 'content-type': contentType };
  const request = { method: 'POST', url, headers, body: bytes };
  const signers = {
    cavage: () => signCavage(request, key),
    hs2019: () => signHs2019(request, key),
    rfc9421: () => signRfc9421(request, key),
    none: () => ({}),
  };
  return fetch(url, { method: 'POST', headers: { ...headers, ...signers[sign]() }, body: bytes });
}
