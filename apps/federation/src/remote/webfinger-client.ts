import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config, GuardedHttp, OutboundHttpError } from '@mammut/platform';
import { type Handle, lrddTemplate, parseJrd, type WebfingerAnswer } from './jrd';
import { peerUnavailable } from './remote-actors';

const JRD_ACCEPT = 'application/jrd+json, application/json';
const XRD_ACCEPT = 'application/xrd+xml, application/xml, text/xml';
/** A JRD or an XRD is a few hundred bytes; a megabyte of one is not an answer. */
const MAX_BYTES = 64 * 1024;

/** Why a handle could not be fingered: `gone` (410) and `not_found` are answers, `unavailable` is not. */
export class WebfingerFailure extends Error {
  constructor(
    readonly reason: 'not_found' | 'gone' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'WebfingerFailure';
  }
}

const status = (error: unknown): number | undefined =>
  error instanceof OutboundHttpError && error.code === 'bad_status' ? error.status : undefined;

/**
 * Asks a handle's server who the handle is, as Mastodon's Webfinger does: an unsigned GET of
 * `/.well-known/webfinger?resource=acct:…` on the handle's domain (on the configured scheme,
 * https outside development), and only when that answers 404, once more at the `lrdd` template
 * of the domain's host-meta. Every request goes through the guarded client, so a handle on a
 * private address is refused before anything is sent.
 */
@Injectable()
export class WebfingerClient {
  constructor(
    private readonly http: GuardedHttp,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async finger(handle: Handle): Promise<WebfingerAnswer> {
    const { scheme } = this.config.federation;
    const resource = `acct:${handle.username}@${handle.domain}`;
    const origin = `${scheme}://${handle.domain}`;
    let body: string;
    try {
      body = await this.read(
        `${origin}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`,
        JRD_ACCEPT,
      );
    } catch (error) {
      if (status(error) !== 404) throw this.failure(error, resource);
      body = await this.viaHostMeta(origin, resource);
    }
    const parsed = parseJrd(body, scheme);
    if (!parsed.ok) throw new WebfingerFailure('not_found', `${resource}: ${parsed.error}`);
    return parsed.answer;
  }

  private async viaHostMeta(origin: string, resource: string): Promise<string> {
    try {
      const template = lrddTemplate(
        await this.read(`${origin}/.well-known/host-meta`, XRD_ACCEPT),
        this.config.federation.scheme,
      );
      if (!template)
        throw new WebfingerFailure('not_found', `${resource}: no WebFinger and no lrdd template`);
      return await this.read(template.replace('{uri}', encodeURIComponent(resource)), JRD_ACCEPT);
    } catch (error) {
      throw this.failure(error, resource);
    }
  }

  private async read(url: string, accept: string): Promise<string> {
    return (await this.http.get(url, { headers: { accept }, maxBytes: MAX_BYTES })).text();
  }

  private failure(error: unknown, resource: string): WebfingerFailure {
    if (error instanceof WebfingerFailure) return error;
    const message = `${resource}: ${error instanceof Error ? error.message : String(error)}`;
    if (peerUnavailable(error)) return new WebfingerFailure('unavailable', message);
    return new WebfingerFailure(status(error) === 410 ? 'gone' : 'not_found', message);
  }
}
