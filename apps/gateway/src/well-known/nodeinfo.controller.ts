import { Controller, Get, Header, Inject } from '@nestjs/common';
import { CONFIG, type Config } from '@mammut/platform';
import { Auth } from '../auth/auth.decorator';
import { InstanceFactsSource } from '../instance/instance-facts';
import { MAMMUT_VERSION, MASTODON_COMPATIBLE_VERSION } from '../instance/version';

const SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema';

export interface NodeInfo {
  version: '2.0' | '2.1';
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
 * by name treat us as one; metadata names Mammut (docs/adr/0003-nodeinfo-software-name.md).
 */
@Controller()
export class NodeInfoController {
  constructor(
    private readonly source: InstanceFactsSource,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Get('.well-known/nodeinfo')
  @Auth.none()
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'public, max-age=259200')
  discovery(): { links: { rel: string; href: string }[] } {
    const origin = this.config.publicOrigin;
    // 2.0 first: Phanpy takes the highest version ≤ 2 and skips a lone 2.1.
    return {
      links: [
        { rel: `${SCHEMA}/2.0`, href: `${origin}/nodeinfo/2.0` },
        { rel: `${SCHEMA}/2.1`, href: `${origin}/nodeinfo/2.1` },
      ],
    };
  }

  @Get('nodeinfo/2.0')
  @Auth.none()
  @Header('content-type', `application/json; profile="${SCHEMA}/2.0#"; charset=utf-8`)
  @Header('cache-control', 'public, max-age=1800')
  async v20(): Promise<NodeInfo> {
    return this.document('2.0');
  }

  @Get('nodeinfo/2.1')
  @Auth.none()
  @Header('content-type', `application/json; profile="${SCHEMA}/2.1#"; charset=utf-8`)
  @Header('cache-control', 'public, max-age=1800')
  async v21(): Promise<NodeInfo> {
    return this.document('2.1');
  }

  private async document(version: '2.0' | '2.1'): Promise<NodeInfo> {
    const [users, localPosts] = await Promise.all([this.source.userCounts(), this.source.statusCount()]);
    const software = { name: 'mastodon', version: MASTODON_COMPATIBLE_VERSION };
    return {
      version,
      // 2.0's schema forbids any other software key; 2.1 adds repository and homepage.
      software:
        version === '2.1'
          ? { ...software, repository: this.config.sourceUrl, homepage: this.config.sourceUrl }
          : software,
      protocols: ['activitypub'],
      services: { inbound: [], outbound: [] },
      usage: { users, localPosts },
      // As Mastodon: "approved" sign-ups are open to anyone who applies.
      openRegistrations: this.config.registrationsMode !== 'closed',
      metadata: {
        nodeName: this.config.siteTitle,
        nodeDescription: this.config.siteDescription,
        upstream: { name: 'mastodon', version: MASTODON_COMPATIBLE_VERSION },
        software: { name: 'mammut', version: MAMMUT_VERSION, repository: this.config.sourceUrl },
      },
    };
  }
}
