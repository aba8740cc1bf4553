/**
 * CSV as Mastodon's exports write it and its imports read it (Ruby's CSV: RFC 4180, comma
 * separated, fields quoted with `"` when they hold a comma, quote or line break).
 */

/** A field quoted when it must be. */
const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Rows as CSV text, one line each, `\n` terminated. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `${row.map(field).join(',')}\n`).join('');
}

/** A CSV file that cannot be read: an unterminated quote, text after a closing quote. */
export class MalformedCsv extends Error {}

/** The rows of a CSV text (blank lines skipped); MalformedCsv when it is not CSV. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let value = '';
  let quoted = false;
  let afterQuote = false;
  const endField = (): void => {
    row.push(value);
    value = '';
    afterQuote = false;
  };
  const endRow = (): void => {
    endField();
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') value += char;
      else if (text[i + 1] === '"') {
        value += '"';
        i++;
      } else {
        quoted = false;
        afterQuote = true;
      }
    } else if (char === ',') endField();
    else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else if (afterQuote) throw new MalformedCsv('text after a closing quote');
    else if (char === '"') {
      if (value !== '') throw new MalformedCsv('a quote inside an unquoted field');
      quoted = true;
    } else value += char;
  }
  if (quoted) throw new MalformedCsv('an unterminated quoted field');
  if (value !== '' || row.length) endRow();
  return rows;
}
