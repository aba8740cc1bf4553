import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, PROFILE_IMAGE_LIMITS, type ProfileImageKind } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  GuardedHttp,
  Jobs,
  logger,
  OutboundHttpError,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import { ProfileImages, type StoredProfileImage } from '../profiles/profile-images';
import { DOWNLOAD_TIMEOUT_MS, worthRetrying } from './remote-media';

const KINDS: readonly ProfileImageKind[] = ['avatar', 'header'];

/**
 * Remote accounts' avatars and headers, cached here as Mastodon caches them (so that a client
 * never loads them from the account's server, and sees them when that server is gone). When a
 * remote account arrives or its server names another image, a job fetches it through the guarded
 * client (private addresses refused, 8 MB, 60 s), makes it a profile image exactly as an upload is
 * made one (cropped, stripped, re-encoded), and gives it to the account, which takes it only while
 * its server still names that image; the old copy goes. An image its server no longer names is
 * dropped. A domain whose media is rejected has no images named (federation leaves them out).
 */
@Injectable()
export class RemoteProfileImages {
  private readonly log = logger('media:remote-profile-images');
  private readonly jobs: Jobs;
  private readonly http: GuardedHttp;

  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    private readonly profileImages: ProfileImages,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
    this.http = GuardedHttp.fromConfig(runtime.config, { maxBytes: PROFILE_IMAGE_LIMITS.bytes });
  }

  /** A remote account came or changed: each image its server names and is not here is queued. */
  async refresh(accountId: string): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const actor = actors[0];
    if (!actor || actor.domain === null) return;
    for (const kind of KINDS) {
      const remoteUrl = kind === 'avatar' ? actor.avatarRemoteUrl : actor.headerRemoteUrl;
      const current = await this.profileImages.currentRemoteUrl(accountId, kind);
      if (remoteUrl === (current ?? null)) continue;
      if (remoteUrl === null) {
        await this.give(accountId, kind, null, null);
        continue;
      }
      await this.jobs.enqueue(contracts.media.jobs.fetchProfileImage, { accountId, kind, url: remoteUrl });
    }
  }

  /**
   * The job: fetches the image and gives it to the account. A file at fault (too large, no image)
   * or a server that refuses leaves the account without one; a server away throws, for the job
   * to try again later.
   */
  async download(accountId: string, kind: ProfileImageKind, url: string): Promise<void> {
    if ((await this.profileImages.currentRemoteUrl(accountId, kind)) === url) return;
    let body: Buffer;
    try {
      ({ body } = await this.http.get(url, {
        maxBytes: PROFILE_IMAGE_LIMITS.bytes,
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
      }));
    } catch (error) {
      if (error instanceof OutboundHttpError && !worthRetrying(error)) {
        this.log.info({ accountId, kind, url, err: error.message }, 'remote profile image not fetched');
        return;
      }
      throw error;
    }
    let stored: StoredProfileImage;
    try {
      stored = await this.profileImages.storeBytes(accountId, kind, body, url);
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      this.log.info({ accountId, kind, url, err: error.message }, 'remote profile image refused');
      return;
    }
    await this.give(accountId, kind, url, stored);
  }

  /**
   * The account takes the copy (or none) while its server still names `remoteUrl`; the copy then
   * becomes current (the old one removed), else it is dropped.
   */
  private async give(
    accountId: string,
    kind: ProfileImageKind,
    remoteUrl: string | null,
    stored: StoredProfileImage | null,
  ): Promise<void> {
    const { taken } = await this.bus.request(contracts.accounts.remote.setRemoteProfileImage, {
      accountId,
      kind,
      remoteUrl,
      url: stored?.url ?? null,
      // Only when there is one: a still image asks what the contract asked before it.
      ...(stored?.staticUrl ? { staticUrl: stored.staticUrl } : {}),
    });
    if (taken) await this.profileImages.commit(accountId, kind, stored?.key ?? null);
    else if (stored) await this.profileImages.discard(accountId, stored.key);
  }
}
