import { MEDIA_LIMITS, type ResponseOf, type contracts } from '@mammut/contracts';
import type { InstanceLimits } from '@mammut/mastodon-api';

type ProfileLimits = ResponseOf<typeof contracts.accounts.instance.describeInstance>['profileLimits'];

/**
 * Profile limits come from the accounts service, which enforces them. The rest are Mastodon's
 * defaults, advertised now so clients behave as with Mastodon; the services that will own statuses,
 * media and polls must enforce exactly these (and then report them like accounts does).
 */
export function instanceLimits(profile: ProfileLimits): InstanceLimits {
  return {
    accounts: {
      displayName: profile.displayName,
      note: profile.note,
      avatarDescription: profile.imageDescription,
      headerDescription: profile.imageDescription,
      featuredTags: 10,
      pinnedStatuses: 5,
      fields: profile.fields,
      fieldName: profile.fieldName,
      fieldValue: profile.fieldValue,
    },
    statuses: { characters: 500, mediaAttachments: 4, charactersReservedPerUrl: 23 },
    media: {
      supportedMimeTypes: SUPPORTED_MIME_TYPES,
      descriptionLimit: MEDIA_LIMITS.descriptionLength,
      imageSizeLimit: MEDIA_LIMITS.imageBytes,
      imageMatrixLimit: MEDIA_LIMITS.imageMatrixPixels,
      videoSizeLimit: MEDIA_LIMITS.videoBytes,
      videoFrameRateLimit: MEDIA_LIMITS.videoFrameRate,
      videoMatrixLimit: MEDIA_LIMITS.videoMatrixPixels,
    },
    polls: { options: 4, charactersPerOption: 50, minExpiration: 300, maxExpiration: 2_629_746 },
  };
}

/**
 * The upload types the media service takes (from the bytes: these name what it recognises), as
 * Mastodon's MediaAttachment::{IMAGE,VIDEO,AUDIO}_MIME_TYPES; video and audio need ffmpeg on the
 * media service's host, HEIC heif-convert.
 */
const SUPPORTED_MIME_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/heic',
  'image/heif',
  'image/webp',
  'image/avif',
  'video/webm',
  'video/mp4',
  'video/quicktime',
  'video/ogg',
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wave',
  'audio/vnd.wave',
  'audio/ogg',
  'audio/vorbis',
  'audio/mpeg',
  'audio/mp3',
  'audio/webm',
  'audio/flac',
  'audio/aac',
  'audio/m4a',
  'audio/x-m4a',
  'audio/mp4',
  'audio/3gpp',
  'video/x-ms-asf',
] as const;
