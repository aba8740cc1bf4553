import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { Config } from '../config/config';
import { AddressPolicy } from './address-policy';
import { OutboundHttpError } from './outbound-error';
import { discard, readCapped } from './response-body';

/** Every address a host name has, as text. Tests inject one that maps `peer.test` to a loopback port. */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export type GuardedHttpOptions = Readonly<{
  /** Names Mammut and the instance, so a remote admin knows who is calling (see `mammutUserAgent`). */
  userAgent: string;
  /** Plain http for development and tests (`FEDERATION_SCHEME=http`); production is https only. */
  allowHttp?: boolean;
  /** Non-global addresses or CIDRs that may still be dialled (tests); production has none. */
  allowedPrivateAddresses?: readonly string[];
  resolver?: Resolver;
  /** Extra trusted roots, PEM: the tests' self-signed peer certificate. */
  trustedCa?: string;
  /** Defaults per request; each call may lower or raise them. */
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** DNS plus TCP (plus TLS) per address; Mastodon's 5 s. */
  connectTimeoutMs?: number;
  /** Longest silence while waiting for headers or between body bytes; Mastodon's 10 s per read. */
  idleTimeoutMs?: number;
}>;

export type OutboundRequest = Readonly<{
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  /** Total time for every hop and the whole body: a peer trickling bytes is cut here (CVE-2023-36461). */
  timeoutMs?: number;
  /** Largest body after decompression. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Media types (no parameters, lower case) the answer must have, e.g. `application/activity+json`. */
  contentTypes?: readonly string[];
}>;

export type OutboundResponse = Readonly<{
  status: number;
  /** Where the answer came from after redirects: callers check a fetched document's id against it. */
  url: string;
  headers: Readonly<Record<string, string>>;
  /** The media type alone, lower case. */
  contentType: string | undefined;
  body: Buffer;
  text(): string;
  json(): unknown;
}>;

export const OUTBOUND_DEFAULTS = Object.freeze({
  timeoutMs: 30_000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
});

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Caller headers that would contradict what the client itself decides per hop. */
const RESERVED_HEADERS = new Set([
  'host',
  'user-agent',
  'accept-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
]);
/** Credentials meant for one origin are not carried to another by a redirect. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'signature', 'signature-input'];
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
// Spaces, control characters and DEL: the URL parser would silently drop or encode them (CVE-2023-42450).
const UNSAFE_URL_CHARACTERS = /[\u0000-\u0020\u007f]/;

/** `Mammut/0.1.0 (+https://example.com/)`, as Mastodon names itself and its instance. */
export function mammutUserAgent(publicOrigin: string, version?: string): string {
  return `Mammut${version ? `/${version}` : ''} (+${publicOrigin}/)`;
}

/**
 * The one HTTP client for requests leaving the system (remote actors and objects, WebFinger,
 * deliveries, media): a test fails when anything else in apps/ or libs/ opens one (see
 * `only-http-client.spec.ts`, ADR 0016).
 *
 * The guard sits in the connector: the host is resolved once per connection, every address is
 * classified, and the socket is dialled to the classified address with the original name for SNI
 * and Host, so a DNS answer cannot change between check and connect. Redirects are followed by
 * hand, each hop through the same connector; the deadline covers every hop and the whole body,
 * and the body is counted as it streams (after decompression) and cut at the cap.
 */
export class GuardedHttp {
  private readonly agent: Agent;
  private readonly policy: AddressPolicy;
  private readonly resolver: Resolver;
  private readonly dial: buildConnector.connector;
  private readonly settings: Required<
    Omit<GuardedHttpOptions, 'allowedPrivateAddresses' | 'resolver' | 'trustedCa'>
  >;

  constructor(options: GuardedHttpOptions) {
    this.settings = {
      userAgent: options.userAgent,
      allowHttp: options.allowHttp ?? false,
      timeoutMs: options.timeoutMs ?? OUTBOUND_DEFAULTS.timeoutMs,
      maxBytes: options.maxBytes ?? OUTBOUND_DEFAULTS.maxBytes,
      maxRedirects: options.maxRedirects ?? OUTBOUND_DEFAULTS.maxRedirects,
      connectTimeoutMs: options.connectTimeoutMs ?? OUTBOUND_DEFAULTS.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? OUTBOUND_DEFAULTS.idleTimeoutMs,
    };
    this.policy = new AddressPolicy(options.allowedPrivateAddresses ?? []);
    this.resolver = options.resolver ?? systemResolver;
    this.dial = buildConnector({
      timeout: this.settings.connectTimeoutMs,
      ...(options.trustedCa ? { ca: options.trustedCa } : {}),
    });
    this.agent = new Agent({
      connect: (target, callback) => this.connect(target, callback),
      headersTimeout: this.settings.idleTimeoutMs,
      bodyTimeout: this.settings.idleTimeoutMs,
      maxRedirections: 0,
    });
  }

  /** From the validated configuration: https only and global addresses only, unless a test system says otherwise. */
  static fromConfig(
    config: Config,
    options: Partial<GuardedHttpOptions> & { version?: string } = {},
  ): GuardedHttp {
    const { version, ...rest } = options;
    return new GuardedHttp({
      userAgent: mammutUserAgent(config.publicOrigin, version),
      allowHttp: config.federation.scheme === 'http',
      allowedPrivateAddresses: config.federation.allowedPrivateAddresses,
      ...rest,
    });
  }

  async get(url: string, request: Omit<OutboundRequest, 'method' | 'body'> = {}): Promise<OutboundResponse> {
    return this.send(url, { ...request, method: 'GET' });
  }

  async send(target: string, request: OutboundRequest = {}): Promise<OutboundResponse> {
    const timeoutMs = request.timeoutMs ?? this.settings.timeoutMs;
    let url = this.checkUrl(target);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    let method = request.method ?? 'GET';
    let body = request.body;
    let headers = this.headersFor(request.headers);
    try {
      for (let hop = 0; ; hop++) {
        const response = await this.agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          body: body ?? null,
          signal: deadline.signal,
        });
        const location = REDIRECTS.has(response.statusCode) ? single(response.headers.location) : undefined;
        if (location === undefined) return await this.complete(url, response, request, method);
        discard(response.body);
        const maxRedirects = request.maxRedirects ?? this.settings.maxRedirects;
        if (hop >= maxRedirects) {
          throw new OutboundHttpError('too_many_redirects', `more than ${maxRedirects} redirects`, url.href);
        }
        const next = this.checkUrl(location, url);
        if (next.origin !== url.origin) headers = omit(headers, ORIGIN_BOUND_HEADERS);
        // What browsers do: 303 always, and 301/302 after a POST, continue as a GET without the body.
        if (response.statusCode === 303 || (method === 'POST' && response.statusCode <= 302)) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
          headers = omit(headers, ['content-type', 'digest', 'content-digest']);
        }
        url = next;
      }
    } catch (error) {
      throw this.failure(error, url.href, deadline.signal, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  /** Nest calls this when a module holding the client as a provider shuts down. */
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private checkUrl(text: string, base?: URL): URL {
    if (UNSAFE_URL_CHARACTERS.test(text))
      throw new OutboundHttpError('bad_url', 'whitespace or control characters', text);
    let url: URL;
    try {
      url = new URL(text, base);
    } catch {
      throw new OutboundHttpError('bad_url', 'not a URL', text);
    }
    const schemeAllowed = url.protocol === 'https:' || (url.protocol === 'http:' && this.settings.allowHttp);
    // A redirect from https to http is refused by the same rule: production allows only https.
    if (!schemeAllowed) throw new OutboundHttpError('bad_url', `${url.protocol} is not allowed`, url.href);
    if (url.username || url.password)
      throw new OutboundHttpError('bad_url', 'credentials in the URL', url.href);
    if (!url.hostname) throw new OutboundHttpError('bad_url', 'no host', url.href);
    const literal = unbracket(url.hostname);
    if (isIP(literal)) this.checkAddresses(literal, [literal], url.href);
    url.hash = '';
    return url;
  }

  private headersFor(custom: Readonly<Record<string, string>> = {}): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(custom)) {
      const key = name.toLowerCase();
      if (!RESERVED_HEADERS.has(key)) headers[key] = value;
    }
    headers['user-agent'] = this.settings.userAgent;
    headers['accept-encoding'] = 'gzip';
    return headers;
  }

  /** Status, content type and size are checked before the body is read; the body only as far as the cap. */
  private async complete(
    url: URL,
    response: Dispatcher.ResponseData,
    request: OutboundRequest,
    method: string,
  ): Promise<OutboundResponse> {
    const { statusCode: status, body } = response;
    const headers = flatten(response.headers);
    const contentType = headers['content-type']?.split(';')[0].trim().toLowerCase() || undefined;
    const maxBytes = request.maxBytes ?? this.settings.maxBytes;
    const refuse = (code: 'bad_status' | 'bad_content_type' | 'too_large', message: string): never => {
      discard(body);
      throw new OutboundHttpError(code, message, url.href, code === 'bad_status' ? status : undefined);
    };
    if (status < 200 || status > 299) refuse('bad_status', `answered ${status}`);
    if (
      request.contentTypes &&
      method !== 'HEAD' &&
      !(contentType && request.contentTypes.includes(contentType))
    ) {
      refuse('bad_content_type', `answered ${contentType ?? 'no content type'}`);
    }
    const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' && Number(headers['content-length']) > maxBytes) {
      refuse('too_large', `announced ${headers['content-length']} bytes, more than ${maxBytes}`);
    }
    const bytes = await readCapped(body, encoding, maxBytes, url.href);
    return {
      status,
      url: url.href,
      headers,
      contentType,
      body: bytes,
      text: () => bytes.toString('utf8'),
      json: () => JSON.parse(bytes.toString('utf8')) as unknown,
    };
  }

  private connect(target: buildConnector.Options, callback: buildConnector.Callback): void {
    const host = unbracket(target.hostname);
    const where = `${target.protocol}//${target.host ?? target.hostname}`;
    this.resolve(host, where).then(
      (addresses) => this.dialInTurn(target, addresses, callback),
      (error: Error) => callback(error, null),
    );
  }

  /** One resolution per connection; every address must pass, as one bad answer in a set is an attack, not bad luck. */
  private async resolve(host: string, where: string): Promise<readonly string[]> {
    if (isIP(host)) return this.checkAddresses(host, [host], where);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new OutboundHttpError('timeout', `resolving ${host} took too long`, where)),
        this.settings.connectTimeoutMs,
      );
    });
    let addresses: readonly string[];
    try {
      addresses = await Promise.race([this.resolver(host), timeout]);
    } catch (error) {
      if (error instanceof OutboundHttpError) throw error;
      throw new OutboundHttpError('network', `cannot resolve ${host}`, where, undefined, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (addresses.length === 0) throw new OutboundHttpError('network', `${host} has no address`, where);
    return this.checkAddresses(host, addresses, where);
  }

  private checkAddresses(host: string, addresses: readonly string[], where: string): string[] {
    return addresses.map((address) => {
      const verdict = this.policy.check(address);
      if (!verdict.allowed) {
        const shown = address === host ? address : `${host} (${address})`;
        throw new OutboundHttpError('blocked_address', `${shown} is ${verdict.reason}`, where);
      }
      return verdict.address;
    });
  }

  /** Dials the checked addresses one after another until one answers; the name stays for SNI and Host. */
  private dialInTurn(
    target: buildConnector.Options,
    addresses: readonly string[],
    callback: buildConnector.Callback,
  ): void {
    const [address, ...rest] = addresses;
    this.dial({ ...target, hostname: address }, (...result) => {
      if (result[0] !== null && rest.length > 0) this.dialInTurn(target, rest, callback);
      else callback(...result);
    });
  }

  private failure(error: unknown, url: string, deadline: AbortSignal, timeoutMs: number): OutboundHttpError {
    if (error instanceof OutboundHttpError) return error;
    if (deadline.aborted) {
      return new OutboundHttpError('timeout', `no complete answer within ${timeoutMs} ms`, url, undefined, {
        cause: error,
      });
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
      return new OutboundHttpError('timeout', code, url, undefined, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new OutboundHttpError('network', message, url, undefined, { cause: error });
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function omit(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
