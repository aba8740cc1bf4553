/**
 * The one place that says which Mastodon we claim to be. Clients gate features on the leading
 * semver of `version` (Phanpy) and on `api_versions.mastodon`; raise them only with the features.
 */
export const MASTODON_COMPATIBLE_VERSION = '4.3.0';
/** Kept equal to package.json's version by version.spec.ts (dist/ has no package.json to read). */
export const MAMMUT_VERSION = '0.1.0';
export const INSTANCE_VERSION = `${MASTODON_COMPATIBLE_VERSION} (compatible; Mammut ${MAMMUT_VERSION})`;
/** 1: no grouped notifications (`/api/v2/notifications`) yet; Phanpy switches to them at 2. */
export const MASTODON_API_VERSION = 1;
