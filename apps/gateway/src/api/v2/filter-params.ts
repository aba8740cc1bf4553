import { Errors } from '../../http/errors';
import { isId, toBool, toObjectList, toStr, toStrList } from '../../http/params';

/** Longer than any limit of the accounts service, so an over-long text is its 422, not a 400 here. */
const TEXT = 10_000;

export const clip = (value: string | undefined): string | undefined => value?.slice(0, TEXT);

/**
 * `expires_in`: absent keeps (undefined); empty or null means never (null), as Rails reads a
 * blank value; otherwise a whole number of seconds, or a 422.
 */
export function expiresInOf(body: Record<string, unknown>): number | null | undefined {
  if (!('expires_in' in body)) return undefined;
  const text = toStr(body.expires_in)?.trim();
  if (!text) return null;
  if (!/^-?\d{1,12}$/.test(text))
    throw Errors.unprocessable('Validation failed: Expires in is not a number', {
      expires_in: [{ error: 'ERR_INVALID', description: 'is not a number' }],
    });
  return Number(text);
}

/** `context[]` as given; more entries than there are contexts (even repeated) is refused. */
export function contextOf(value: unknown): string[] {
  const context = [...new Set(toStrList(value).map((c) => c.slice(0, 100)))];
  if (context.length > 20)
    throw Errors.unprocessable('Validation failed: Context None or invalid context supplied', {
      context: [{ error: 'ERR_INVALID', description: 'None or invalid context supplied' }],
    });
  return context;
}

/** `whole_word`: a blank value is no value (the keyword keeps, or a new one takes, true). */
export const wholeWordOf = (value: unknown): boolean | undefined =>
  toStr(value) === '' ? undefined : toBool(value);

export interface KeywordAttributes {
  id?: string;
  keyword?: string;
  wholeWord?: boolean;
  destroy: boolean;
}

/**
 * `keywords_attributes`: a JSON array, an indexed form hash (`[0][keyword]`) or Rails' `[][keyword]`
 * form, which qs folds into one hash of lists; those lists are read back entry by entry.
 */
export function keywordsAttributesOf(value: unknown): KeywordAttributes[] {
  const entries = toObjectList(value).flatMap((entry) => {
    const width = Math.max(1, ...Object.values(entry).map((v) => (Array.isArray(v) ? v.length : 1)));
    return Array.from({ length: width }, (_, i) =>
      Object.fromEntries(
        Object.entries(entry).map(([k, v]) => [k, Array.isArray(v) ? v[i] : i === 0 ? v : undefined]),
      ),
    );
  });
  if (entries.length > 1000)
    throw Errors.unprocessable('Validation failed: Keywords are too many', {
      keywords: [{ error: 'ERR_TOO_MANY', description: 'are too many' }],
    });
  return entries.map((entry) => {
    const id = toStr(entry.id)?.trim() || undefined;
    if (id !== undefined && !isId(id)) throw Errors.notFound();
    return {
      id,
      keyword: clip(toStr(entry.keyword)),
      wholeWord: wholeWordOf(entry.whole_word),
      destroy: toBool(entry._destroy) ?? false,
    };
  });
}
