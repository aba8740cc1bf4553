import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';

/** Rails-style nesting (`a[b][]=1`, `fields_attributes[0][name]`) from query strings, forms and multipart. */
const qsOptions: qs.IParseOptions = {
  arrayLimit: 100,
  depth: 5,
  parameterLimit: 1000,
  allowPrototypes: false,
};

/** qs's own decoding: `+` is a space, and a malformed escape leaves the text as it was. */
const decode = (text: string): string => {
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
  const flat = parseFlat(query);
  return flat ?? (qs.parse(query, qsOptions) as Record<string, unknown>);
}

function parseFlat(query: string): Record<string, unknown> | undefined {
  const out = new Map<string, string | string[]>();
  const lists = new Set<string>();
  const parts = query.split('&');
  if (parts.length > (qsOptions.parameterLimit ?? 1000)) return undefined;
  for (const part of parts) {
    if (!part) continue;
    // qs splits `a]=b` parts at the bracket: leave those to it.
    if (part.includes(']=')) return undefined;
    const eq = part.indexOf('=');
    const match = FLAT_KEY.exec(decode(eq === -1 ? part : part.slice(0, eq)));
    if (!match) return undefined;
    const [, name, list] = match;
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

export const BODY_LIMIT = 1024 * 1024;
export const UPLOAD_LIMIT = 16 * 1024 * 1024;

export interface UploadedFile {
  readonly filename: string;
  readonly mimetype: string;
  readonly data: Buffer;
}

function fromPairs(pairs: [string, string][]): Record<string, unknown> {
  const search = new URLSearchParams();
  for (const [key, value] of pairs) search.append(key, value);
  return parseQuery(search.toString());
}

/**
 * JSON (Fastify's own parser: prototype poisoning is refused), urlencoded and multipart bodies all
 * become the same nested object, on every method including DELETE (Tusky sends form bodies there).
 */
export async function registerBodyParsers(app: FastifyInstance): Promise<void> {
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
  await app.register(multipart, {
    limits: { fileSize: UPLOAD_LIMIT, files: 4, fields: 200, fieldSize: BODY_LIMIT, parts: 210 },
    throwFileSizeLimit: true,
  });
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (!request.isMultipart()) return;
    const pairs: [string, string][] = [];
    const files: Record<string, UploadedFile> = {};
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        files[part.fieldname] = {
          filename: part.filename,
          mimetype: part.mimetype,
          data: await part.toBuffer(),
        };
      } else {
        pairs.push([part.fieldname, String(part.value)]);
      }
    }
    (request as { body: unknown }).body = fromPairs(pairs);
    (request as FastifyRequest & { uploads?: Record<string, UploadedFile> }).uploads = files;
  });
}
