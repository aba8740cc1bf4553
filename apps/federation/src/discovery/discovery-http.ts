import { Inject, Injectable } from '@nestjs/common';
import type { RawHttpRequest, RawHttpResponse } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { hostMeta } from './host-meta';
import { NodeInfoDocuments } from './nodeinfo';
import { WebfingerDocuments } from './webfinger';

/**
 * The discovery documents a peer or a client reads before anything else (WebFinger, host-meta,
 * NodeInfo), by path; reads only (GET and HEAD). Null for any other request.
 */
@Injectable()
export class DiscoveryHttp {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly webfinger: WebfingerDocuments,
    private readonly nodeInfo: NodeInfoDocuments,
  ) {}

  answer(url: URL, request: RawHttpRequest): Promise<RawHttpResponse> | RawHttpResponse | null {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    switch (url.pathname) {
      case '/.well-known/webfinger':
        return this.webfinger.answer(url.searchParams.get('resource'));
      case '/.well-known/host-meta':
        return hostMeta(this.config.publicOrigin, request.headers.accept);
      case '/.well-known/host-meta.json':
        return hostMeta(this.config.publicOrigin, request.headers.accept, true);
      case '/.well-known/nodeinfo':
        return this.nodeInfo.discovery();
      case '/nodeinfo/2.0':
        return this.nodeInfo.document('2.0');
      case '/nodeinfo/2.1':
        return this.nodeInfo.document('2.1');
      default:
        return null;
    }
  }
}
