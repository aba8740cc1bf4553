import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { OutboundHttpError } from './outbound-error';

/** Reads at most `maxBytes` of decoded body, and stops the transfer the moment it would be more. */
export async function readCapped(
  body: Readable,
  encoding: string,
  maxBytes: number,
  url: string,
): Promise<Buffer> {
  const decoder = decoderFor(encoding);
  if (decoder === null) {
    discard(body);
    throw new OutboundHttpError('network', `unsupported content encoding ${encoding}`, url);
  }
  const stream: Readable = decoder ? pipeline(body, decoder, () => undefined) : body;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new OutboundHttpError('too_large', `body over ${maxBytes} bytes`, url);
      chunks.push(chunk);
    }
  } catch (error) {
    discard(body);
    if (decoder) discard(decoder);
    if (error instanceof OutboundHttpError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new OutboundHttpError('network', `cannot decode the ${encoding} body`, url, undefined, {
        cause: error,
      });
    }
    throw error;
  }
  return Buffer.concat(chunks, size);
}

/** `undefined`: nothing to decode; `null`: an encoding we do not speak (we only ask for gzip). */
function decoderFor(encoding: string): Transform | undefined | null {
  switch (encoding) {
    case 'identity':
    case '':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/** Drops a body we will not read and closes its connection; the abort it reports is the one we asked for. */
export function discard(stream: Readable): void {
  stream.on('error', () => undefined);
  stream.destroy();
}
