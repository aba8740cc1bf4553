import sanitizeHtml from 'sanitize-html';

/** Classes Mastodon keeps (microformats, mentions and hashtags, link shortening, quote markers). */
const KEPT_CLASSES = [/^(h|p|u|dt|e)-/, /^(mention|hashtag|ellipsis|invisible|quote-inline)$/];

/**
 * The one HTML sanitizer for everything a client renders (account notes, field values, local and
 * remote status content), with Mastodon's MASTODON_STRICT set: p br span a del s pre blockquote
 * code b strong u i em ul ol li ruby rt rp, `lang` anywhere, classes only from KEPT_CLASSES, and
 * headings as bold paragraphs. Total: never throws, returns '' for non-strings.
 */
const options: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'span',
    'a',
    'del',
    's',
    'pre',
    'blockquote',
    'code',
    'b',
    'strong',
    'u',
    'i',
    'em',
    'ul',
    'ol',
    'li',
    'ruby',
    'rt',
    'rp',
  ],
  allowedAttributes: {
    '*': ['lang'],
    a: ['href', 'rel', 'class', 'target', 'translate'],
    span: ['class', 'translate'],
    p: ['class'],
    ol: ['start', 'reversed'],
    li: ['value'],
  },
  allowedClasses: { a: KEPT_CLASSES, span: KEPT_CLASSES, p: KEPT_CLASSES },
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

/** Mastodon shows a heading as a bold paragraph; the result is sanitized, so this cannot add markup. */
const asBoldParagraphs = (html: string): string =>
  html.replace(/<h[1-6](\s[^>]*)?>/gi, '<p><strong>').replace(/<\/h[1-6]\s*>/gi, '</strong></p>');

export function sanitizeRichText(html: unknown): string {
  if (typeof html !== 'string') return '';
  try {
    return sanitizeHtml(asBoldParagraphs(html), options);
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
