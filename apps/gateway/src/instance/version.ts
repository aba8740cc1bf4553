import { MAMMUT_VERSION, MASTODON_COMPATIBLE_VERSION } from '@mammut/platform';

export const INSTANCE_VERSION = `${MASTODON_COMPATIBLE_VERSION} (compatible; Mammut ${MAMMUT_VERSION})`;
/**
 * The Mastodon API level served in full: 2, grouped notifications (`/api/v2/notifications`, its
 * groups, unread count and policy), which Phanpy switches to at 2. Not 3: `attribution_domains`
 * are not kept yet (levels are cumulative).
 */
export const MASTODON_API_VERSION = 2;
