import type { Config } from '../config/config';
import { LocalDiskStorage } from './local-disk-storage';
import type { MediaStorage } from './media-storage';
import { S3MediaStorage } from './s3-media-storage';

/**
 * The storage the configuration names: the bucket when S3_ENABLED, else the directory MEDIA_ROOT.
 * The gateway and the media service each build theirs here, so two processes given the same
 * configuration see the same files.
 */
export function createMediaStorage(config: Pick<Config, 'media' | 'publicOrigin'>): MediaStorage {
  return config.media.s3
    ? new S3MediaStorage(config.media.s3, config.publicOrigin)
    : new LocalDiskStorage(config.media.root, config.publicOrigin);
}
