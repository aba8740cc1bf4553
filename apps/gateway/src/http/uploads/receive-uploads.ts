import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { logger, type MediaStorage, temporaryUploadKey } from '@mammut/platform';
import type { FastifyRequest } from 'fastify';
import { BODY_LIMIT, formFromPairs, MAX_FORM_FIELDS } from '../body-parsers';
import { Errors, HttpError } from '../errors';
import type { ReceivedFile, StoredUpload, UploadSpec } from './upload-spec';

const log = logger('gateway:uploads');

/** Room for part headers and boundaries around the declared files and fields. */
const MULTIPART_OVERHEAD = 64 * 1024;

export interface ReceivedUploads {
  readonly body: Record<string, unknown>;
  readonly files: Readonly<Record<string, ReceivedFile>>;
  /** Files of fields declared `storage: true`, in media storage under temporary keys. */
  readonly stored: Readonly<Record<string, StoredUpload>>;
  /** Removes the temporary files, and stored uploads not handed over; safe to call more than once. */
  cleanup(): Promise<void>;
}

/** Bytes of a file held back to choose its cap from (`capOf`) before any is passed on. */
const HEAD_BYTES = 64;

/**
 * Fails a file's stream once it has carried more than its cap: `maxBytes`, or what `capOf` makes
 * of its first bytes (held back until there are enough of them, or the file ended).
 */
function byteLimit(maxBytes: number, counted: { size: number }, capOf?: (head: Buffer) => number): Transform {
  let cap = capOf ? undefined : maxBytes;
  let held: Buffer[] = [];
  const decide = (): Buffer => {
    const head = Buffer.concat(held);
    held = [];
    cap = Math.min(maxBytes, capOf!(head.subarray(0, HEAD_BYTES)));
    return head;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counted.size += chunk.length;
      let out = chunk;
      if (cap === undefined) {
        held.push(chunk);
        if (counted.size < HEAD_BYTES) return callback();
        out = decide();
      }
      if (counted.size > cap!) callback(Errors.bodyTooLarge());
      else callback(null, out);
    },
    flush(callback) {
      if (cap === undefined && held.length) callback(null, decide());
      else callback();
    },
  });
}

/** An error of the multipart reader as Mastodon's answer: 413 past a limit, 400 when malformed. */
function asBodyError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return status === 413 ? Errors.bodyTooLarge() : Errors.bodyMalformed();
}

/**
 * Reads the multipart body of a route declared with `@Uploads`, in the handler phase: fields into
 * the same nested object as any other body, each declared file streamed to a temporary file under
 * its own size limit (413 past it, and past the fields' 1 MiB), an undeclared file refused (422).
 * On any failure the files written so far are removed and the rest of the body is discarded
 * unread, as Fastify does past its body limit.
 */
export async function receiveUploads(
  request: FastifyRequest,
  spec: UploadSpec,
  storage?: MediaStorage,
): Promise<ReceivedUploads> {
  const limits = Object.values(spec.files).map((file) => file.maxBytes);
  const largest = Math.max(0, ...limits);
  const total = limits.reduce((sum, bytes) => sum + bytes, 0) + BODY_LIMIT + MULTIPART_OVERHEAD;
  // A body that says it is larger than everything the route could take is refused unread.
  if (Number(request.headers['content-length']) > total) throw Errors.bodyTooLarge();

  // One directory per request, made at its first file and removed whole.
  let dir: Promise<string> | undefined;
  const directory = (): Promise<string> => (dir ??= mkdtemp(join(tmpdir(), 'mammut-upload-')));
  // Stored keys still ours: removed at the end unless handed over.
  const storedKeys = new Set<string>();
  let removed: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (removed ??= (async () => {
      try {
        if (dir) await rm(await dir, { recursive: true, force: true });
        if (storage) await Promise.all([...storedKeys].map((key) => storage.delete(key)));
      } catch (error) {
        log.warn({ err: error }, 'temporary upload not removed');
      }
    })());
  const pairs: Array<[string, string]> = [];
  const files: Record<string, ReceivedFile> = {};
  const stored: Record<string, StoredUpload> = {};
  let fieldBytes = 0;
  try {
    const parts = request.parts({
      limits: {
        files: limits.length,
        // One byte past the largest, so that the per-field limit below is what refuses a file,
        // rather than busboy quietly cutting it and waiting for the end of its part.
        fileSize: largest + 1,
        fields: MAX_FORM_FIELDS,
        fieldSize: BODY_LIMIT,
        parts: MAX_FORM_FIELDS + limits.length,
      },
    });
    for await (const part of parts) {
      if (part.type === 'field') {
        const value = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
        fieldBytes += Buffer.byteLength(part.fieldname) + Buffer.byteLength(value);
        if (part.valueTruncated || part.fieldnameTruncated || fieldBytes > BODY_LIMIT) {
          throw Errors.bodyTooLarge();
        }
        pairs.push([part.fieldname, value]);
        continue;
      }
      const declared = spec.files[part.fieldname];
      if (!declared || files[part.fieldname] || stored[part.fieldname]) {
        part.file.resume();
        throw Errors.fileNotAccepted(part.fieldname);
      }
      if (declared.storage) {
        if (!storage) throw new Error(`${part.fieldname} is declared for storage, which this route lacks`);
        // The key is ours too; counted on its way in, never held whole.
        const key = temporaryUploadKey();
        storedKeys.add(key);
        const counted = { size: 0 };
        const limited = byteLimit(declared.maxBytes, counted, declared.capOf);
        await Promise.all([pipeline(part.file, limited), storage.put(key, limited, part.mimetype)]);
        if (!part.filename && counted.size === 0) {
          storedKeys.delete(key);
          await storage.delete(key);
          continue;
        }
        stored[part.fieldname] = {
          field: part.fieldname,
          clientName: part.filename,
          clientType: part.mimetype,
          key,
          size: counted.size,
          handOver: () => void storedKeys.delete(key),
        };
        continue;
      }
      // The name on disk is ours: nothing the client sent ever becomes part of a path.
      const path = join(await directory(), randomBytes(12).toString('hex'));
      const counted = { size: 0 };
      await pipeline(
        part.file,
        byteLimit(declared.maxBytes, counted, declared.capOf),
        createWriteStream(path, { flags: 'wx' }),
      );
      // A browser sends an empty, nameless part for a file input left empty: no file, as in Rack.
      if (!part.filename && counted.size === 0) continue;
      files[part.fieldname] = {
        field: part.fieldname,
        clientName: part.filename,
        clientType: part.mimetype,
        path,
        size: counted.size,
      };
    }
  } catch (error) {
    // Stop reading: the rest of the body flows to nowhere, nothing more is written.
    request.raw.unpipe();
    request.raw.resume();
    await cleanup();
    throw asBodyError(error);
  }
  return { body: formFromPairs(pairs), files, stored, cleanup };
}
