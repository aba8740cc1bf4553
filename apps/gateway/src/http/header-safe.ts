/** Anything but visible ASCII: what may not stand as such in a URI, nor safely in a header value. */
const NOT_VISIBLE_ASCII = /[^\x21-\x7e]+/g;

/**
 * A URI as a browser would put it on the wire: every character outside visible ASCII
 * percent-encoded as UTF-8 (`ā` → `%C4%81`, a space → `%20`, CR/LF → `%0D%0A`), escapes already
 * present left as they are. A header holding it can carry no line break, DEL or character that
 * Node refuses in a header (beyond Latin-1), so no redirect can split a response or fail it.
 */
export function headerSafeUri(uri: string): string {
  return uri.replace(NOT_VISIBLE_ASCII, (run) =>
    // Buffer writes a lone surrogate as U+FFFD, where encodeURIComponent would throw.
    Array.from(
      Buffer.from(run, 'utf8'),
      (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(''),
  );
}
