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
  allowedSchemes: [
    'http',
    'https',
    'dat',
    'dweb',
    'ipfs',
    'ipns',
    'ssb',
    'gopher',
    'xmpp',
    'magnet',
    'gemini',
  ],
  allowProtocolRelative: false,
  transformTags: {
    // Mentions and hashtags open in the client; every other link leaves with nofollow noopener.
    a: (tagName, attribs) => {
      const classes = (attribs.class ?? '').split(/\s+/);
      if (classes.includes('hashtag')) return { tagName, attribs: { ...attribs, rel: 'tag' } };
      if (classes.includes('mention')) {
        const { rel: _rel, target: _target, ...rest } = attribs;
        return { tagName, attribs: rest };
      }
      return { tagName, attribs: { ...attribs, rel: 'nofollow noopener', target: '_blank' } };
    },
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
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
