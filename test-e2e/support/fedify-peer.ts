import {
  type Context,
  createFederation,
  generateCryptoKeyPair,
  type Federation,
  type HttpMessageSignaturesSpec,
  MemoryKvStore,
} from '@fedify/fedify';
import { Activity, type Actor, Endpoints, isActor, Note, Person } from '@fedify/vocab';
import type { webcrypto } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which signature spec an HTTP request carried, read from its headers. */
export type SignatureSpec = HttpMessageSignaturesSpec | 'none';

const specOf = (headers: Headers): SignatureSpec =>
  headers.has('signature-input')
    ? 'rfc9421'
    : headers.has('signature')
      ? 'draft-cavage-http-signatures-12'
      : 'none';

/** A request that reached the peer, with the spec it was signed with and what the peer answered. */
export interface PeerRequest {
  readonly method: string;
  readonly path: string;
  readonly spec: SignatureSpec;
  readonly status: number;
}

/** A GET of the actor whose signature Fedify verified: by which key, under which spec. */
export interface VerifiedGet {
  readonly keyId: string;
  readonly spec: SignatureSpec;
}

const USERNAME = 'fed';

/**
 * An independent ActivityPub server on loopback whose protocol side is Fedify 2.3.6's own, not
 * ours: it serves one Person (`/users/fed`, an RSA key pair) whose document answers only GETs
 * Fedify's signature check accepts (authorized fetch), records each activity its inboxes accept
 * (Fedify verified the signature and that the actor owns the key before a listener runs), and
 * sends activities through Fedify's `sendActivity`, which signs with `firstKnock` first and falls
 * back to the other spec on 400/401 (its double knock).
 *
 * Turned off for loopback: Fedify's private-address guard (`allowPrivateAddress`), so it fetches
 * our keys and actors on 127.0.0.1; plain http needs no switch, its loader takes http URLs. No
 * message queue: a send then happens inside `send()` and a refused delivery fails the test there
 * instead of being retried in the background.
 */
export class FedifyPeer {
  private server?: Server;
  private federation?: Federation<void>;
  private readonly kv = new MemoryKvStore();
  private keyPairs: webcrypto.CryptoKeyPair[] = [];
  private readonly notes = new Map<string, Note>();
  /** Activities the inboxes accepted, in order of arrival. */
  readonly inbox: Activity[] = [];
  /** GETs of the actor document that Fedify verified. */
  readonly verifiedGets: VerifiedGet[] = [];
  /** Every request that reached the peer, after it was answered. */
  readonly requests: PeerRequest[] = [];
  /** Answers 401 to a cavage-signed request before Fedify sees it, as a server speaking only RFC 9421. */
  refuseCavage = false;
  /** The display name the actor document serves; a test changes it before sending Update. */
  displayName = 'Fedify Peer';

  constructor(private readonly firstKnock: HttpMessageSignaturesSpec) {}

  async start(): Promise<void> {
    // Fedify types it as the DOM's CryptoKeyPair, which Node's lib here does not declare.
    this.keyPairs = [(await generateCryptoKeyPair('RSASSA-PKCS1-v1_5')) as webcrypto.CryptoKeyPair];
    this.federation = this.createFederation();
    this.server = createServer((request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  get actorId(): string {
    return `${this.origin}/users/${USERNAME}`;
  }

  /** The `user@host` handle our instance shows for the peer's actor. */
  get acct(): string {
    return `${USERNAME}@${new URL(this.origin).host}`;
  }

  /** A fresh id under the peer's origin, e.g. for an activity or a note. */
  newId(kind: string): URL {
    return new URL(`${this.origin}/${kind}/${crypto.randomUUID()}`);
  }

  /** Serves `note` at its id (our instance may read it from its origin). */
  publish(note: Note): void {
    if (note.id) this.notes.set(note.id.pathname.split('/').pop() ?? '', note);
  }

  /** A remote actor as Fedify reads its document (a plain, unsigned fetch). */
  async lookupActor(url: string): Promise<Actor> {
    const found = await this.context().lookupObject(url);
    if (!isActor(found)) throw new Error(`${url} is not an actor to Fedify`);
    return found;
  }

  /** Delivers `activity` to `recipient`'s inbox, signed by Fedify as the peer's actor. */
  async send(recipient: Actor, activity: Activity): Promise<void> {
    await this.context().sendActivity({ identifier: USERNAME }, recipient, activity);
  }

  /** The spec Fedify remembers as working for `origin` after a send, if any. */
  async rememberedSpec(origin: string): Promise<HttpMessageSignaturesSpec | undefined> {
    return this.kv.get<HttpMessageSignaturesSpec>(['_fedify', 'httpMessageSignaturesSpec', origin]);
  }

  /** Accepted activities of `type` (a vocabulary class), in order of arrival. */
  received<T extends Activity>(type: new (...args: never[]) => T): T[] {
    return this.inbox.filter((activity): activity is T => activity instanceof type);
  }

  /** The peer's actor as its document serves it now (the same Person Fedify dispatches). */
  actor(): Promise<Person> {
    return this.person(this.context());
  }

  private async person(ctx: Context<void>): Promise<Person> {
    const keys = await ctx.getActorKeyPairs(USERNAME);
    return new Person({
      id: ctx.getActorUri(USERNAME),
      preferredUsername: USERNAME,
      name: this.displayName,
      inbox: ctx.getInboxUri(USERNAME),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: new URL(`${ctx.getActorUri(USERNAME).href}/followers`),
      publicKey: keys[0]?.cryptographicKey,
      manuallyApprovesFollowers: false,
    });
  }

  private context(): Context<void> {
    if (!this.federation) throw new Error('the peer is not started');
    return this.federation.createContext(new URL(this.origin), undefined);
  }

  private createFederation(): Federation<void> {
    const federation = createFederation<void>({
      kv: this.kv,
      allowPrivateAddress: true,
      firstKnock: this.firstKnock,
    });
    federation
      .setActorDispatcher('/users/{identifier}', (ctx, identifier) =>
        identifier === USERNAME ? this.person(ctx) : null,
      )
      .setKeyPairsDispatcher((_ctx, identifier) => (identifier === USERNAME ? this.keyPairs : []))
      .authorize(async (ctx) => {
        const key = await ctx.getSignedKey();
        if (!key?.id) return false;
        this.verifiedGets.push({ keyId: key.id.href, spec: specOf(ctx.request.headers) });
        return true;
      });
    federation.setObjectDispatcher(Note, '/notes/{id}', (_ctx, { id }) => this.notes.get(id) ?? null);
    federation.setInboxListeners('/users/{identifier}/inbox', '/inbox').on(Activity, (_ctx, activity) => {
      this.inbox.push(activity);
    });
    return federation;
  }

  /** Hands a Node request to Fedify as a Web Request, with its raw body and headers as received. */
  private async serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = incoming.method ?? 'GET';
    const request = new Request(`${this.origin}${incoming.url ?? '/'}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
    });
    const spec = specOf(headers);
    const response =
      this.refuseCavage && spec === 'draft-cavage-http-signatures-12'
        ? new Response('cavage refused', { status: 401 })
        : await this.federation!.fetch(request, { contextData: undefined });
    this.requests.push({ method, path: new URL(request.url).pathname, spec, status: response.status });
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  }
}
