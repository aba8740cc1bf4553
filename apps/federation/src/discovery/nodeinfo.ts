import { Inject, Injectable } from '@nestjs/common';
import { contracts, type RawHttpResponse } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  MAMMUT_VERSION,
  MASTODON_COMPATIBLE_VERSION,
} from '@mammut/platform';

const SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema';

export type NodeInfoVersion = '2.0' | '2.1';

export interface NodeInfo {
  version: NodeInfoVersion;
  software: { name: string; version: string; repository?: string; homepage?: string };
  protocols: string[];
  services: { inbound: string[]; outbound: string[] };
  usage: { users: { total: number; activeMonth: number; activeHalfyear: number }; localPosts: number };
  openRegistrations: boolean;
  metadata: {
    nodeName: string;
    nodeDescription: string;
    upstream: { name: string; version: string };
    software: { name: string; version: string; repository: string };
  };
}

/**
 * NodeInfo 2.0 and 2.1. `software.name` is "mastodon" so clients and crawlers that detect Mastodon
 * by name treat us as one; metadata names Mammut (docs/adr/0003-nodeinfo-software-name.md). The
 * figures are the accounts service's (users) and the statuses service's (local posts), asked per
 * request: the documents are cached by whoever reads them (30 minutes).
 */
@Injectable()
export class NodeInfoDocuments {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  discovery(): RawHttpResponse {
    const origin = this.config.publicOrigin;
    // 2.0 first: Phanpy takes the highest version ≤ 2 and skips a lone 2.1.
    const links = [
      { rel: `${SCHEMA}/2.0`, href: `${origin}/nodeinfo/2.0` },
      { rel: `${SCHEMA}/2.1`, href: `${origin}/nodeinfo/2.1` },
    ];
    return {
      status: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=259200',
      },
      body: JSON.stringify({ links }),
    };
  }

  async document(version: NodeInfoVersion): Promise<RawHttpResponse> {
    return {
      status: 200,
      headers: {
        'content-type': `application/json; profile="${SCHEMA}/${version}#"; charset=utf-8`,
        'cache-control': 'public, max-age=1800',
      },
      body: JSON.stringify(await this.nodeInfo(version)),
    };
  }

  private async nodeInfo(version: NodeInfoVersion): Promise<NodeInfo> {
    const [described, statistics] = await Promise.all([
      this.bus.request(contracts.accounts.instance.describeInstance, {}),
      this.bus.request(contracts.statuses.statuses.getStatistics, { weekStarts: [] }),
    ]);
    const { config } = this;
    const software = { name: 'mastodon', version: MASTODON_COMPATIBLE_VERSION };
    return {
      version,
      // 2.0's schema forbids any other software key; 2.1 adds repository and homepage.
      software:
        version === '2.1'
          ? { ...software, repository: config.sourceUrl, homepage: config.sourceUrl }
          : software,
      protocols: ['activitypub'],
      services: { inbound: [], outbound: [] },
      usage: { users: described.users, localPosts: statistics.localPosts },
      // As Mastodon: "approved" sign-ups are open to anyone who applies.
      openRegistrations: config.registrationsMode !== 'closed',
      metadata: {
        nodeName: config.siteTitle,
        nodeDescription: config.siteDescription,
        upstream: { name: 'mastodon', version: MASTODON_COMPATIBLE_VERSION },
        software: { name: 'mammut', version: MAMMUT_VERSION, repository: config.sourceUrl },
      },
    };
  }
}
