import sanitizeHtml from 'sanitize-html';

/**
 * The one HTML sanitizer for everything a client renders (account notes, field values, and later
 * status content from anywhere). Only Mastodon's subset survives: p, br, span, a (+ classes).
 * Total: never throws, returns '' for non-strings.
 */
const options: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'span', 'a'],
  allowedAttributes: { a: ['href', 'rel', 'class', 'target', 'translate'], span: ['class', 'translate'] },
  allowedClasses: {
    a: ['mention', 'hashtag', 'u-url', 'status-link', 'unhandled-link'],
    span: ['h-card', 'invisible', 'ellipsis', 'ellipsis-enabled'],
  },
  allowedSchemes: ['http', 'https', 'dat', 'dweb', 'ipfs', 'ipns', 'ssb', 'gopher', 'xmpp', 'magnet', 'gemini'],
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: attribs.rel?.includes('tag') ? 'tag' : 'nofollow noopener', target: '_blank' },
    }),
  },
};

export function sanitizeRichText(html: unknown): string {
  if (typeof html !== 'string') return '';
  try {
    return sanitizeHtml(html, options);
  } catch {
    return '';
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
