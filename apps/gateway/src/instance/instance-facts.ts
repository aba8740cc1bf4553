import { Inject, Injectable } from '@nestjs/common';
import { contracts, type ResponseOf } from '@mammut/contracts';
import type { InstanceFacts } from '@mammut/mastodon-api';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import { VAPID_KEY } from '../http/vapid-key';
import { instanceLimits } from './instance-limits';
import { INSTANCE_VERSION, MASTODON_API_VERSION } from './version';

type Described = ResponseOf<typeof contracts.accounts.instance.describeInstance>;
type ActivityWeeks = (ResponseOf<typeof contracts.accounts.instance.getActivity>['weeks'][number] & {
  statuses: number;
})[];

/** Mastodon reports the last 12 weeks. */
const ACTIVITY_WEEKS = 12;

/** Instance documents are polled by every client and crawler; a few seconds of staleness is harmless. */
const TTL_MS = 5_000;

export const THUMBNAIL_PATH = '/instance/thumbnail.png';
export const ICON_SIZES = [36, 48, 72, 96, 144, 192, 256, 384, 512] as const;
export const iconPath = (size: number): string => `/instance/icons/${size}.png`;

/** A value loaded at most once per TTL; concurrent callers share one load. */
class Cached<T> {
  private value: { at: number; promise: Promise<T> } | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = Date.now();
    if (!this.value || now - this.value.at > this.ttlMs) {
      const promise = this.load();
      this.value = { at: now, promise };
      // A failed load is not cached: the next request tries again.
      promise.catch(() => {
        if (this.value?.promise === promise) this.value = undefined;
      });
    }
    return this.value.promise;
  }
}

/** `ws://` for an http origin, `wss://` for https: where clients open `/api/v1/streaming`. */
export function streamingOrigin(publicOrigin: string): string {
  return publicOrigin.replace(/^http(s?):\/\//, (_, secure: string) => `ws${secure}://`);
}

/** Gathers what the instance documents say from config and the services, cached in-process. */
@Injectable()
export class InstanceFactsSource {
  private readonly described: Cached<Described>;
  private readonly peers: Cached<string[]>;
  private readonly activity: Cached<ActivityWeeks>;
  private readonly localPosts: Cached<number>;
  /** Boot time: config, the only source of the descriptions, is read at boot. */
  readonly updatedAt = new Date().toISOString();

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(BUS) bus: Bus,
    @Inject(VAPID_KEY) private readonly vapidKey: string,
  ) {
    this.described = new Cached(TTL_MS, () => bus.request(contracts.accounts.instance.describeInstance, {}));
    // As Mastodon's Instance.searchable: a domain the operator limits (suspended, silenced, or its
    // media rejected), or a subdomain of one, is not listed.
    this.peers = new Cached(TTL_MS, async () => {
      const [{ domains }, { blocks }] = await Promise.all([
        bus.request(contracts.accounts.instance.listPeers, {}),
        bus.request(contracts.federation.domainBlocks.list, {}),
      ]);
      const limited = blocks
        .filter((block) => block.severity !== 'noop' || block.rejectMedia)
        .map((block) => block.domain);
      return domains.filter((domain) => !limited.some((l) => domain === l || domain.endsWith(`.${l}`)));
    });
    this.activity = new Cached(TTL_MS, async () => {
      const { weeks } = await bus.request(contracts.accounts.instance.getActivity, { weeks: ACTIVITY_WEEKS });
      const posted = await bus.request(contracts.statuses.statuses.getStatistics, {
        weekStarts: weeks.map((week) => week.weekStart),
      });
      return weeks.map((week, i) => ({ ...week, statuses: posted.weeks[i] ?? 0 }));
    });
    this.localPosts = new Cached(TTL_MS, async () => {
      const { localPosts } = await bus.request(contracts.statuses.statuses.getStatistics, { weekStarts: [] });
      return localPosts;
    });
  }

  async facts(): Promise<InstanceFacts> {
    const [described, statusCount] = await Promise.all([this.described.get(), this.localPosts.get()]);
    const { config } = this;
    const origin = config.publicOrigin;
    return {
      domain: config.localDomain,
      title: config.siteTitle,
      description: config.siteDescription,
      contactEmail: config.siteContactEmail,
      contactAccount: described.contactAccount,
      version: INSTANCE_VERSION,
      sourceUrl: config.sourceUrl,
      apiVersion: MASTODON_API_VERSION,
      thumbnailUrl: `${origin}${THUMBNAIL_PATH}`,
      icons: ICON_SIZES.map((size) => ({ url: `${origin}${iconPath(size)}`, size })),
      languages: ['en'],
      streamingOrigin: streamingOrigin(origin),
      aboutUrl: `${origin}/about`,
      vapidPublicKey: this.vapidKey,
      registrations: {
        // Mastodon counts "approved" as open: anyone may apply.
        enabled: config.registrationsMode !== 'closed',
        approvalRequired: config.registrationsMode === 'approved',
        // RegisterAccount requires a reason exactly when sign-ups are reviewed.
        reasonRequired: config.registrationsMode === 'approved',
      },
      users: { total: described.users.total, activeMonth: described.users.activeMonth },
      statusCount,
      domainCount: described.domainCount,
      limits: instanceLimits(described.profileLimits),
    };
  }

  peerDomains(): Promise<string[]> {
    return this.peers.get();
  }

  activityWeeks(): Promise<ActivityWeeks> {
    return this.activity.get();
  }
}
