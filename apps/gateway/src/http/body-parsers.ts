import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';
import { FEDERATION_BODY_LIMIT } from '@mammut/contracts';
import { Errors, type HttpError } from './errors';
import { unstorableInputError } from './storable-input';
import { uploadSpecOf } from './uploads/upload-spec';

/** Rails-style nesting (`a[b][]=1`, `fields_attributes[0][name]`) from query strings, forms and multipart. */
const qsOptions: qs.IParseOptions = {
  arrayLimit: 100,
  depth: 5,
  parameterLimit: 1000,
  allowPrototypes: false,
};

/**
 * qs's own decoding: `+` is a space, and a malformed escape leaves the text as it was. Most keys
 * and values (ids, numbers, flags) have nothing to decode, and are handed back as they are.
 */
const decode = (text: string): string => {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
};

/** A key qs would read as a plain value (`limit`) or a list (`id[]`), and nothing else. */
const FLAT_KEY = /^([^[\]]+)(\[\])?$/;

/**
 * Parses a query string or form body as qs does (Rails-style nesting). Most Mastodon queries are
 * flat, at most with `id[]=` lists, so those are read directly, producing exactly what qs would
 * (its equivalence is tested), and anything else goes to qs: for 40 `id[]` values qs was a
 * tenth of the gateway's CPU.
 */
export function parseQuery(query: string): Record<string, unknown> {
  // Most requests have no query at all.
  if (query === '') return {};
  const flat = parseFlat(query);
  return flat ?? (qs.parse(query, qsOptions) as Record<string, unknown>);
}

/** A query string of plain keys and `key[]` lists, read without qs; undefined for anything else. */
export function parseFlat(query: string): Record<string, unknown> | undefined {
  const out = new Map<string, string | string[]>();
  const lists = new Set<string>();
  const parts = query.split('&');
  if (parts.length > (qsOptions.parameterLimit ?? 1000)) return undefined;
  // Lists repeat one key (`id[]=…&id[]=…`): it is read once.
  let lastKey: string | undefined;
  let lastMatch: RegExpExecArray | null = null;
  for (const part of parts) {
    if (!part) continue;
    // Where qs splits key from value: after a `]=` when there is one (`a=b]=c` has the key `a=b]`).
    const bracketEquals = part.indexOf(']=');
    const eq = bracketEquals === -1 ? part.indexOf('=') : bracketEquals + 1;
    const key = eq === -1 ? part : part.slice(0, eq);
    if (key !== lastKey) {
      lastKey = key;
      lastMatch = FLAT_KEY.exec(decode(key));
    }
    if (!lastMatch) return undefined;
    const [, name, list] = lastMatch;
    // qs drops keys that would shadow Object.prototype (allowPrototypes: false).
    if (name in Object.prototype) continue;
    const value = eq === -1 ? '' : decode(part.slice(eq + 1));
    const seen = out.get(name);
    // `b=1&b[]=2` mixes the two forms, which qs orders in its own way: leave it to qs.
    if (seen !== undefined && lists.has(name) !== Boolean(list)) return undefined;
    if (list) lists.add(name);
    if (seen === undefined) out.set(name, list ? [value] : value);
    else if (Array.isArray(seen)) seen.push(value);
    else out.set(name, [seen, value]);
  }
  return Object.fromEntries(out);
}

/** Every request body, of any content type, on every route but those declared with `@Uploads`. */
export const BODY_LIMIT = 1024 * 1024;

/** The largest import file (a CSV of follows, blocks or mutes) taken. */
export const IMPORT_FILE_LIMIT = 1024 * 1024;
/** Fields in one multipart body (qs reads at most 1000 parameters from a form). */
export const MAX_FORM_FIELDS = 200;

/** Form fields, in the order sent, as the same nested object a urlencoded body gives. */
export function formFromPairs(pairs: ReadonlyArray<[string, string]>): Record<string, unknown> {
  const search = new URLSearchParams();
  for (const [key, value] of pairs) search.append(key, value);
  return parseQuery(search.toString());
}

/**
 * Reads a request body of at most `limit` bytes: 413 at once when `Content-Length` says more,
 * or as soon as more has arrived; the rest then flows to nowhere, unread (as Fastify's own
 * parsers leave it), so nothing past the limit is ever held.
 */
function readBody(request: FastifyRequest, limit: number): Promise<Buffer> {
  if (Number(request.headers['content-length']) > limit) return Promise.reject(Errors.bodyTooLarge());
  const raw = request.raw;
  if (raw.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: HttpError | null): void => {
      raw.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(Errors.bodyTooLarge());
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(null);
    const onError = (): void => finish(Errors.bodyMalformed());
    // Closed before its end: the client went away mid-body.
    const onClose = (): void => finish(Errors.bodyMalformed());
    raw.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    raw.resume();
  });
}

/**
 * A multipart body on a route that takes no files: read whole within BODY_LIMIT, like JSON or a
 * form, then parsed by the platform's own multipart reader (fetch's `formData`). A truncated or
 * boundary-less body is 400; a file part 422, except the empty part a browser sends for a file
 * input left empty (Rack skips it too).
 */
async function readSmallForm(request: FastifyRequest): Promise<Record<string, unknown>> {
  const bytes = await readBody(request, BODY_LIMIT);
  if (bytes.length === 0) return {};
  let form: FormData;
  try {
    form = await new Response(bytes, {
      headers: { 'content-type': request.headers['content-type'] ?? '' },
    }).formData();
  } catch {
    throw Errors.bodyMalformed();
  }
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') pairs.push([name, value]);
    else if (value.name !== '' || value.size > 0) throw Errors.fileNotAccepted(name);
  }
  if (pairs.length > MAX_FORM_FIELDS) throw Errors.bodyTooLarge();
  return formFromPairs(pairs);
}

/**
 * JSON (Fastify's own parser: prototype poisoning is refused), urlencoded and multipart bodies all
 * become the same nested object, on every method including DELETE (Tusky sends form bodies there),
 * within BODY_LIMIT. Multipart is left unread on routes declared with `@Uploads`: those read it
 * as a stream in the handler phase, after throttles and authentication (UploadsInterceptor).
 */
export async function registerBodyParsers(app: FastifyInstance): Promise<void> {
  // ActivityStreams bodies stay bytes: federation verifies their Digest and signature on exactly
  // what arrived (Mastodon's 1 MB cap).
  app.addContentTypeParser(
    ['application/activity+json', 'application/ld+json'],
    { parseAs: 'buffer', bodyLimit: FEDERATION_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  // Imports of Mastodon's CSV exports may be sent as they are.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: IMPORT_FILE_LIMIT },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, parseQuery(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  // Its content-type parser only marks the request as multipart and reads nothing.
  await app.register(multipart, { throwFileSizeLimit: true });
  // Callback form: most requests are not multipart, and pay no promise for the check. Once the
  // input is whole, no string PostgreSQL cannot store gets further (422), whatever the route.
  app.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    if (!request.isMultipart() || uploadSpecOf(request)) {
      done(unstorableInputError(request));
      return;
    }
    readSmallForm(request).then((body) => {
      (request as { body: unknown }).body = body;
      done(unstorableInputError(request));
    }, done);
  });
}
