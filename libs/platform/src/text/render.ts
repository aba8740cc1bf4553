import * as linkify from 'linkifyjs';
import { escapeHtml, sanitizeRichText } from './sanitize';

export interface MentionTarget {
  readonly username: string;
  readonly url: string;
}

export interface RenderOptions {
  /** `https://example.com`: hashtags link to `<origin>/tags/<tag>`. */
  readonly publicOrigin: string;
  /** The accounts that `@user` / `@user@domain` mentions in the text resolved to, by lower-cased acct. */
  readonly mentions?: ReadonlyMap<string, MentionTarget>;
}

const MENTION =
  /(?<![\p{L}\p{N}_/])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([\w.-]+\.[a-z0-9]+(?::\d+)?))?/giu;
const HASHTAG = /(?<![\p{L}\p{N}_/&#])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/giu;

/** The `@user` and `@user@domain` handles in a text, lower-cased, in order of first appearance. */
export function extractMentions(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(MENTION))
    found.add((match[2] ? `${match[1]}@${match[2]}` : match[1]).toLowerCase());
  return [...found];
}

/** A hashtag name as Mastodon allows one (letters, digits, `_`, not all digits), at most this long. */
const TAG_NAME = /^[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*$/u;
const TAG_NAME_MAX = 100;

/** The normalized (lower-cased) name of a hashtag given with or without `#`, or null when it is none. */
export function hashtagName(value: string): string | null {
  const name = value.replace(/^#/, '').normalize('NFKC');
  return name.length <= TAG_NAME_MAX && TAG_NAME.test(name) ? name.toLowerCase() : null;
}

/** The hashtags of a text, lower-cased, in order of first use. */
export function extractHashtags(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(HASHTAG)) found.add(match[1].toLowerCase());
  return [...found];
}

function renderLink(href: string): string {
  const url = escapeHtml(href);
  const match = /^(https?:\/\/(?:www\.)?)(.*)$/i.exec(href);
  if (!match) return `<a href="${url}" rel="nofollow noopener" target="_blank">${url}</a>`;
  const [, prefix, rest] = match;
  const visible = rest.slice(0, 30);
  const hidden = rest.slice(30);
  return (
    `<a href="${url}" rel="nofollow noopener" target="_blank">` +
    `<span class="invisible">${escapeHtml(prefix)}</span>` +
    `<span class="${hidden ? 'ellipsis' : ''}">${escapeHtml(visible)}</span>` +
    `<span class="invisible">${escapeHtml(hidden)}</span></a>`
  );
}

/** Renders the text segment between links: escapes, then marks up mentions and hashtags. */
function renderSegment(text: string, options: RenderOptions): string {
  const pieces: string[] = [];
  const pattern = new RegExp(`${MENTION.source}|${HASHTAG.source}`, 'giu');
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    pieces.push(escapeHtml(text.slice(last, index)));
    last = index + match[0].length;
    if (match[1] !== undefined) {
      const acct = (match[2] ? `${match[1]}@${match[2]}` : match[1]).toLowerCase();
      const target = options.mentions?.get(acct);
      pieces.push(
        target
          ? `<span class="h-card" translate="no"><a href="${escapeHtml(target.url)}" class="u-url mention">@<span>${escapeHtml(target.username)}</span></a></span>`
          : escapeHtml(match[0]),
      );
    } else {
      const tag = match[3];
      pieces.push(
        `<a href="${escapeHtml(options.publicOrigin)}/tags/${encodeURIComponent(tag.toLowerCase())}" class="mention hashtag" rel="tag">#<span>${escapeHtml(tag)}</span></a>`,
      );
    }
  }
  pieces.push(escapeHtml(text.slice(last)));
  return pieces.join('');
}

/**
 * Plain text as Mastodon renders it: paragraphs on blank lines, `<br>` on single newlines, links,
 * mentions and hashtags marked up; the result goes through the one sanitizer.
 */
export function renderPlainText(text: string, options: RenderOptions): string {
  const normalized = text.replace(/\r\n?/g, '\n').trim();
  if (!normalized) return '';
  const paragraphs = normalized.split(/\n{2,}/).map((paragraph) => {
    const links = linkify.find(paragraph, 'url').filter((l) => /^https?:\/\//i.test(l.href));
    const parts: string[] = [];
    let last = 0;
    for (const link of links) {
      parts.push(renderSegment(paragraph.slice(last, link.start), options));
      parts.push(renderLink(link.href));
      last = link.end;
    }
    parts.push(renderSegment(paragraph.slice(last), options));
    return `<p>${parts.join('').replace(/\n/g, '<br />')}</p>`;
  });
  return sanitizeRichText(paragraphs.join(''));
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * How long a status counts, as Mastodon counts it: characters as a reader sees them (grapheme
 * clusters), every link as `reservedPerUrl` characters however long it is, and a remote mention
 * `@user@domain` as `@user`.
 */
export function statusLength(text: string, reservedPerUrl: number): number {
  let countable = '';
  let last = 0;
  for (const link of linkify.find(text, 'url').filter((l) => /^https?:\/\//i.test(l.href))) {
    countable += text.slice(last, link.start) + 'x'.repeat(reservedPerUrl);
    last = link.end;
  }
  countable += text.slice(last);
  countable = countable.replace(MENTION, (_match, username: string) => `@${username}`);
  let length = 0;
  for (const _ of graphemes.segment(countable)) length += 1;
  return length;
}
