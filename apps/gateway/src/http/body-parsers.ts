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

export function parseQuery(query: string): Record<string, unknown> {
  return qs.parse(query, qsOptions) as Record<string, unknown>;
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
