import { MAMMUT_VERSION, MASTODON_COMPATIBLE_VERSION } from '@mammut/platform';

export const INSTANCE_VERSION = `${MASTODON_COMPATIBLE_VERSION} (compatible; Mammut ${MAMMUT_VERSION})`;
/** 1: no grouped notifications (`/api/v2/notifications`) yet; Phanpy switches to them at 2. */
export const MASTODON_API_VERSION = 1;
