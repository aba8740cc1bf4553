import { MalformedCsv, parseCsv } from './csv';

export type ImportType = 'follows' | 'blocks' | 'mutes';
export const IMPORT_TYPES: readonly ImportType[] = ['follows', 'blocks', 'mutes'];

/** Rows one import takes: it runs while the request waits, resolving unknown accounts as it goes. */
export const IMPORT_ROW_LIMIT = 1000;

/** One account of an import file, with the options its columns give. */
export interface ImportRow {
  /** `user@domain`, without a leading `@`. */
  readonly acct: string;
  /** follows: `Show boosts` (default true). */
  readonly reblogs: boolean;
  /** follows: `Notify on new posts` (default false). */
  readonly notify: boolean;
  /** follows: `Languages`, null for all. */
  readonly languages: string[] | null;
  /** mutes: `Hide notifications` (default true). */
  readonly hideNotifications: boolean;
}

/** Why a file is refused, and where. */
export class InvalidImport extends Error {}

const HANDLE = /^@?([^@\s,]+)@([^@\s,]+)$/;
const HEADER = 'account address';

/** A boolean column as Mastodon writes it (`true`/`false`); blank takes the default. */
function flag(value: string | undefined, fallback: boolean, line: number): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '') return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InvalidImport(`line ${line}: "${value}" is not true or false`);
}

/**
 * The rows of an import file in Mastodon's formats (following_accounts.csv, blocked_accounts.csv,
 * muted_accounts.csv): a header row (`Account address,...`) is optional, as Mastodon accepts the
 * older one-address-a-line files too. Anything else is refused whole: a file that is not CSV, a
 * line without an address `user@domain`, a column that is not what its header says, too many rows.
 */
export function importRows(text: string): ImportRow[] {
  let rows: string[][];
  try {
    rows = parseCsv(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    if (error instanceof MalformedCsv) throw new InvalidImport(`not a CSV file: ${error.message}`);
    throw error;
  }
  const header = rows[0]?.[0]?.trim().toLowerCase() === HEADER;
  const body = header ? rows.slice(1) : rows;
  if (!body.length) throw new InvalidImport('the file lists no accounts');
  if (body.length > IMPORT_ROW_LIMIT)
    throw new InvalidImport(`at most ${IMPORT_ROW_LIMIT} rows are imported at once`);
  const seen = new Set<string>();
  const parsed: ImportRow[] = [];
  body.forEach((row, index) => {
    const line = index + (header ? 2 : 1);
    const handle = HANDLE.exec(row[0]?.trim() ?? '');
    if (!handle)
      throw new InvalidImport(`line ${line}: "${row[0] ?? ''}" is not an account address (user@domain)`);
    const acct = `${handle[1]}@${handle[2]}`;
    const languages = (row[3] ?? '')
      .split(',')
      .map((language) => language.trim())
      .filter(Boolean);
    if (languages.some((language) => !/^[a-zA-Z-]{2,16}$/.test(language)))
      throw new InvalidImport(`line ${line}: "${row[3]}" is not a list of languages`);
    if (seen.has(acct.toLowerCase())) return;
    seen.add(acct.toLowerCase());
    parsed.push({
      acct,
      reblogs: flag(row[1], true, line),
      notify: flag(row[2], false, line),
      languages: languages.length ? languages : null,
      hideNotifications: flag(row[1], true, line),
    });
  });
  return parsed;
}
