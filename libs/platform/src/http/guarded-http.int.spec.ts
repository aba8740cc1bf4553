import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  type Server,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../config/config';
import { GuardedHttp, type GuardedHttpOptions, type Resolver, systemResolver } from './guarded-http';
import { type OutboundErrorCode, OutboundHttpError } from './outbound-error';

/*
 * Real sockets only. Canaries on 127.0.0.1 and ::1 count every connection they accept: with the
 * production address rules each SSRF attempt must end with both counts at 0. The peer that the
 * "allowed" paths talk to listens on 127.0.0.2, the one exception those clients get, over https
 * with a self-signed certificate for `peer.test` (test-peer/), so the production rules (https only,
 * global addresses only) are exercised as they are, not switched off.
 */

const CERT = readFileSync(join(__dirname, 'test-peer/peer.test.crt'), 'utf8');
const KEY = readFileSync(join(__dirname, 'test-peer/peer.test.key'), 'utf8');
const PEER_ADDRESS = '127.0.0.2';
const UA = 'Mammut/0.0.0-test (+https://mammut.test/)';

type Route = (request: IncomingMessage, response: ServerResponse) => void;

class Canary {
  accepted = 0;
  private constructor(
    private readonly server: TcpServer,
    readonly port: number,
  ) {}

  static async listen(host: string): Promise<Canary> {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const canary = new Canary(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => {
      canary.accepted += 1;
      socket.destroy();
    });
    return canary;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** An HTTP(S) server whose answers the tests script per path; it records what reached it. */
class Peer {
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; local: string }[] =
    [];
  readonly closed: string[] = [];
  private readonly routes = new Map<string, Route>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async listen(host: string, tls: boolean): Promise<Peer> {
    const handler = (request: IncomingMessage, response: ServerResponse) => peer.handle(request, response);
    const server = tls ? createHttpsServer({ cert: CERT, key: KEY }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const peer: Peer = new Peer(server, (server.address() as AddressInfo).port);
    return peer;
  }

  route(path: string, handler: Route): void {
    this.routes.set(path, handler);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/';
    this.requests.push({
      method: request.method ?? '',
      path,
      headers: request.headers,
      local: request.socket.localAddress ?? '',
    });
    response.on('close', () => this.closed.push(path));
    const route = this.routes.get(path.split('?')[0]);
    if (route) route(request, response);
    else response.writeHead(404).end();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const json =
  (body: unknown, type = 'application/activity+json'): Route =>
  (_, response) =>
    response.writeHead(200, { 'content-type': type }).end(JSON.stringify(body));
const redirect =
  (location: string, status = 302): Route =>
  (_, response) =>
    response.writeHead(status, { location }).end();

/** The test names the scripts use, and the system's answers for the rest (`localhost`, unknown names). */
const names =
  (table: Record<string, readonly string[]>): Resolver =>
  (hostname) =>
    table[hostname] ? Promise.resolve(table[hostname]) : systemResolver(hostname);

async function failure(promise: Promise<unknown>): Promise<{ code: OutboundErrorCode; status?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OutboundHttpError)
      return { code: error.code, ...(error.status ? { status: error.status } : {}) };
    throw error;
  }
  throw new Error('expected the request to fail');
}

let canary4: Canary;
let canary6: Canary;
let peer: Peer;
let plainPeer: Peer;
const clients: GuardedHttp[] = [];

/** A client with production rules, except that `peer.test` (127.0.0.2) may be reached and its certificate trusted. */
function client(options: Partial<GuardedHttpOptions> = {}): GuardedHttp {
  const http = new GuardedHttp({
    userAgent: UA,
    trustedCa: CERT,
    resolver: names({
      'peer.test': [PEER_ADDRESS],
      'other.peer.test': [PEER_ADDRESS],
      'canary.test': ['127.0.0.1'],
      'canary6.test': ['::1'],
      'mapped.test': ['::ffff:127.0.0.1'],
      'mixed.test': ['93.184.215.14', '127.0.0.1'],
      'private.test': ['10.0.0.5'],
    }),
    ...options,
  });
  clients.push(http);
  return http;
}

const production = () => client();
const withPeer = (options: Partial<GuardedHttpOptions> = {}) =>
  client({ allowedPrivateAddresses: [PEER_ADDRESS], ...options });

beforeAll(async () => {
  [canary4, canary6, peer, plainPeer] = await Promise.all([
    Canary.listen('127.0.0.1'),
    Canary.listen('::1'),
    Peer.listen(PEER_ADDRESS, true),
    Peer.listen(PEER_ADDRESS, false),
  ]);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((http) => http.close()));
});

afterAll(async () => {
  await Promise.all([canary4.close(), canary6.close(), peer.close(), plainPeer.close()]);
});

describe('GuardedHttp with the production rules: SSRF attempts never reach a socket', () => {
  const targets = (): string[] => {
    const v4 = canary4.port;
    const v6 = canary6.port;
    return [
      `https://127.0.0.1:${v4}/`,
      `https://[::1]:${v6}/`,
      `https://[::ffff:127.0.0.1]:${v4}/`,
      `https://[::ffff:7f00:1]:${v4}/`,
      `https://[0:0:0:0:0:ffff:7f00:1]:${v4}/`,
      `https://[::127.0.0.1]:${v4}/`,
      `https://[64:ff9b::7f00:1]:${v4}/`,
      `https://2130706433:${v4}/`,
      `https://0x7f.1:${v4}/`,
      `https://017700000001:${v4}/`,
      `https://127.1:${v4}/`,
      `https://0.0.0.0:${v4}/`,
      `https://[::]:${v6}/`,
      `https://localhost:${v4}/`,
      `https://localhost:${v6}/`,
      `https://canary.test:${v4}/`,
      `https://canary6.test:${v6}/`,
      `https://mapped.test:${v4}/`,
      `https://mixed.test:${v4}/`,
      `https://private.test:${v4}/`,
      `https://169.254.169.254/latest/meta-data/`,
      `https://10.0.0.1/`,
      `https://[3fff::1]/`,
      `https://[64:ff9b:1::a00:1]/`,
      `https://[fe80::1]/`,
    ];
  };

  it('refuses loopback, private and special addresses by IP in every spelling, and by names resolving to them', async () => {
    const http = production();
    for (const url of targets()) {
      expect([url, await failure(http.get(url))]).toEqual([url, { code: 'blocked_address' }]);
    }
    // The system resolver may not know the root-qualified name at all; either way nothing is dialled.
    expect(['blocked_address', 'network']).toContain(
      (await failure(http.get(`https://localhost.:${canary4.port}/`))).code,
    );
    expect([canary4.accepted, canary6.accepted]).toEqual([0, 0]);
  });

  it('refuses the same targets when an allowed peer redirects to them (302, 307, 308, protocol-relative)', async () => {
    const http = withPeer();
    const list = targets();
    for (const [index, location] of list.entries()) {
      const status = [302, 307, 308, 301][index % 4];
      peer.route(`/to/${index}`, redirect(location, status));
      const url = `https://peer.test:${peer.port}/to/${index}`;
      expect([location, await failure(http.get(url))]).toEqual([location, { code: 'blocked_address' }]);
    }
    peer.route('/relative-scheme', redirect(`//127.0.0.1:${canary4.port}/`));
    expect(await failure(http.get(`https://peer.test:${peer.port}/relative-scheme`))).toEqual({
      code: 'blocked_address',
    });
    expect([canary4.accepted, canary6.accepted]).toEqual([0, 0]);
    // The peer itself was reached for every hop: the refusals came from the re-check, not a dead peer.
    expect(peer.requests.filter((request) => request.path.startsWith('/to/')).length).toBe(list.length);
  });

  it('refuses plain http, a downgrade redirect, other schemes, credentials and control characters before any socket', async () => {
    const http = withPeer();
    plainPeer.route('/doc', json({ id: 'plain' }));
    peer.route('/downgrade', redirect(`http://peer.test:${plainPeer.port}/doc`));
    const before = plainPeer.requests.length;
    expect(await failure(http.get(`http://peer.test:${plainPeer.port}/doc`))).toEqual({ code: 'bad_url' });
    expect(await failure(http.get(`https://peer.test:${peer.port}/downgrade`))).toEqual({ code: 'bad_url' });
    expect(plainPeer.requests.length).toBe(before);
    for (const url of [
      `http://127.0.0.1:${canary4.port}/`,
      'file:///etc/passwd',
      `ftp://127.0.0.1:${canary4.port}/`,
      `gopher://127.0.0.1:${canary4.port}/`,
      'data:text/plain,hello',
      `ws://127.0.0.1:${canary4.port}/`,
      `https://user:pass@peer.test:${peer.port}/`,
      `https://peer.test:${peer.port}/a\r\nX-Injected: 1`,
      `https://peer.test:${peer.port}/a b`,
      `https://pe\ner.test:${peer.port}/`,
      'https://',
      'not a url',
    ]) {
      expect([url, await failure(http.get(url))]).toEqual([url, { code: 'bad_url' }]);
    }
    expect([canary4.accepted, canary6.accepted]).toEqual([0, 0]);
  });

  it('resolves once per connection and dials the address it checked (no DNS rebinding window)', async () => {
    const answers = [[PEER_ADDRESS], ['127.0.0.1']];
    let lookups = 0;
    const http = withPeer({
      resolver: () => Promise.resolve(answers[Math.min(lookups++, answers.length - 1)]),
    });
    peer.route('/actor', json({ id: 'actor' }));
    const response = await http.get(`https://peer.test:${peer.port}/actor`);
    expect(response.json()).toEqual({ id: 'actor' });
    expect(lookups).toBe(1);
    expect(peer.requests.at(-1)?.local).toBe(PEER_ADDRESS);
    expect(canary4.accepted).toBe(0);
  });
});

describe('GuardedHttp with the test configuration', () => {
  it('reaches loopback servers over plain http when FEDERATION_SCHEME=http and the range is allowed', async () => {
    const loopback = await Peer.listen('127.0.0.1', false);
    const loopback6 = await Peer.listen('::1', false);
    try {
      loopback.route('/actor', json({ id: 'v4' }));
      loopback6.route('/actor', json({ id: 'v6' }));
      const config = loadConfig({
        NODE_ENV: 'test',
        LOCAL_DOMAIN: 'mammut.test',
        FEDERATION_SCHEME: 'http',
        FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.0/8,::1',
      });
      const http = GuardedHttp.fromConfig(config, { version: '9.9.9' });
      clients.push(http);
      const v4 = await http.get(`http://127.0.0.1:${loopback.port}/actor`);
      expect([v4.status, v4.json(), v4.contentType]).toEqual([
        200,
        { id: 'v4' },
        'application/activity+json',
      ]);
      expect((await http.get(`http://[::1]:${loopback6.port}/actor`)).json()).toEqual({ id: 'v6' });
      expect(loopback.requests[0].headers['user-agent']).toBe('Mammut/9.9.9 (+http://mammut.test/)');
      // Still no way to a private network that was not listed.
      expect(await failure(http.get('http://10.0.0.1/'))).toEqual({ code: 'blocked_address' });
    } finally {
      await Promise.all([loopback.close(), loopback6.close()]);
    }
  });
});

describe('GuardedHttp limits', () => {
  it('cuts a body streaming forever at the cap, and stops the transfer', async () => {
    let sent = 0;
    peer.route('/forever', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/activity+json' });
      const chunk = Buffer.alloc(16 * 1024, 97);
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) sent += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    const http = withPeer();
    expect(
      await failure(http.get(`https://peer.test:${peer.port}/forever`, { maxBytes: 64 * 1024 })),
    ).toEqual({
      code: 'too_large',
    });
    await until(() => peer.closed.includes('/forever'));
    const afterClose = sent;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent).toBe(afterClose);
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('refuses a body whose Content-Length is over the cap without reading it, and a gzip bomb by its inflated size', async () => {
    peer.route('/big', (_, response) => {
      response.writeHead(200, {
        'content-type': 'application/activity+json',
        'content-length': String(2 * 1024 * 1024),
      });
      response.write('{');
    });
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 32));
    peer.route('/bomb', (_, response) =>
      response
        .writeHead(200, { 'content-type': 'application/activity+json', 'content-encoding': 'gzip' })
        .end(bomb),
    );
    const small = gzipSync(JSON.stringify({ id: 'zipped' }));
    peer.route('/zipped', (_, response) =>
      response
        .writeHead(200, { 'content-type': 'application/activity+json', 'content-encoding': 'gzip' })
        .end(small),
    );
    const http = withPeer();
    expect(bomb.length).toBeLessThan((1024 * 1024) / 100);
    expect(await failure(http.get(`https://peer.test:${peer.port}/big`))).toEqual({ code: 'too_large' });
    expect(await failure(http.get(`https://peer.test:${peer.port}/bomb`))).toEqual({ code: 'too_large' });
    expect((await http.get(`https://peer.test:${peer.port}/zipped`)).json()).toEqual({ id: 'zipped' });
  });

  it('gives up at the total deadline on a peer that never answers and on one that trickles bytes', async () => {
    peer.route('/silent', () => undefined);
    peer.route('/trickle', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/activity+json' });
      const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write(' ')), 50);
    });
    const http = withPeer();
    for (const path of ['/silent', '/trickle']) {
      const started = Date.now();
      expect(await failure(http.get(`https://peer.test:${peer.port}${path}`, { timeoutMs: 500 }))).toEqual({
        code: 'timeout',
      });
      const elapsed = Date.now() - started;
      expect([path, elapsed >= 450 && elapsed < 2000]).toEqual([path, true]);
      await until(() => peer.closed.includes(path));
    }
  });

  it('follows at most three redirects, each hop checked again', async () => {
    for (let hop = 0; hop < 4; hop++) peer.route(`/hop/${hop}`, redirect(`/hop/${hop + 1}`));
    peer.route('/hop/4', json({ id: 'end' }));
    peer.route('/hop/1b', redirect(`https://other.peer.test:${peer.port}/hop/3`, 301));
    peer.route('/loop', redirect('/loop'));
    const http = withPeer();
    const three = await http.get(`https://peer.test:${peer.port}/hop/1`);
    expect([three.url, three.json()]).toEqual([`https://peer.test:${peer.port}/hop/4`, { id: 'end' }]);
    const crossHost = await http.get(`https://peer.test:${peer.port}/hop/1b`);
    expect(crossHost.url).toBe(`https://other.peer.test:${peer.port}/hop/4`);
    expect(await failure(http.get(`https://peer.test:${peer.port}/hop/0`))).toEqual({
      code: 'too_many_redirects',
    });
    expect(await failure(http.get(`https://peer.test:${peer.port}/loop`))).toEqual({
      code: 'too_many_redirects',
    });
    expect(await failure(http.get(`https://peer.test:${peer.port}/hop/3`, { maxRedirects: 0 }))).toEqual({
      code: 'too_many_redirects',
    });
  });

  it('checks the content type and the status before reading the body', async () => {
    peer.route('/html', json('<html>', 'text/html; charset=utf-8'));
    peer.route('/ap', json({ id: 'ap' }, 'application/activity+json; charset=utf-8'));
    peer.route('/gone', (_, response) => response.writeHead(410).end());
    const http = withPeer();
    const accept = { contentTypes: ['application/activity+json', 'application/ld+json'] };
    expect(await failure(http.get(`https://peer.test:${peer.port}/html`, accept))).toEqual({
      code: 'bad_content_type',
    });
    expect((await http.get(`https://peer.test:${peer.port}/ap`, accept)).json()).toEqual({ id: 'ap' });
    expect(await failure(http.get(`https://peer.test:${peer.port}/gone`))).toEqual({
      code: 'bad_status',
      status: 410,
    });
  });

  it('sends its User-Agent, turns a POST into a GET on 303, and drops credentials when a redirect changes origin', async () => {
    peer.route('/inbox', redirect(`https://other.peer.test:${peer.port}/landing`, 303));
    peer.route('/landing', json({ id: 'landing' }));
    const http = withPeer();
    const response = await http.send(`https://peer.test:${peer.port}/inbox`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer secret',
        'content-type': 'application/activity+json',
        'User-Agent': 'spoof',
      },
      body: '{"type":"Like"}',
    });
    expect(response.json()).toEqual({ id: 'landing' });
    const [post, landing] = peer.requests.slice(-2);
    expect([post.method, post.headers['user-agent'], post.headers.authorization]).toEqual([
      'POST',
      UA,
      'Bearer secret',
    ]);
    expect([landing.method, landing.headers.authorization, landing.headers['content-type']]).toEqual([
      'GET',
      undefined,
      undefined,
    ]);
  });

  it('reports a refused connection and an unknown name as network errors', async () => {
    const closed = await Canary.listen(PEER_ADDRESS);
    const port = closed.port;
    await closed.close();
    const http = withPeer();
    expect(await failure(http.get(`https://peer.test:${port}/`))).toEqual({ code: 'network' });
    expect(await failure(http.get('https://unknown.test/'))).toEqual({ code: 'network' });
  });
});

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
