/**
 * The one place that says which Mastodon we claim to be and which Mammut we are, for every service
 * that tells peers and clients (the instance documents, NodeInfo, the outbound User-Agent). Clients
 * gate features on the leading semver of the Mastodon version (Phanpy); raise it only with the features.
 */
export const MASTODON_COMPATIBLE_VERSION = '4.3.0';
/** Kept equal to package.json's version by the gateway's version.spec.ts (dist/ has no package.json to read). */
export const MAMMUT_VERSION = '0.1.0';
