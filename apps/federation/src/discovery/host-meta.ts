import type { RawHttpResponse } from '@mammut/contracts';

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const CACHE = 'public, max-age=259200';

/**
 * host-meta (RFC 6415): where WebFinger lives. Peers fall back to it when the handle's domain does
 * not answer WebFinger itself; Phanpy reads the template's host to find the API host. XML unless
 * JSON is asked for and XML is not, as Mastodon's respond_to does; `host-meta.json` is always JSON.
 */
export function hostMeta(publicOrigin: string, accept: string | undefined, json = false): RawHttpResponse {
  const template = `${publicOrigin}/.well-known/webfinger?resource={uri}`;
  if (json || (accept && /json/i.test(accept) && !/xml/i.test(accept))) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': CACHE },
      body: JSON.stringify({ links: [{ rel: 'lrdd', template }] }),
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/xrd+xml; charset=utf-8', 'cache-control': CACHE },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n' +
      `  <Link rel="lrdd" template="${escapeXml(template)}"/>\n` +
      '</XRD>\n',
  };
}
