import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { PHOTO_HEIGHT, PHOTO_WIDTH } from './photo';

/** How often a client asks whether its upload is processed: sooner than any app, so the wait shows. */
const POLL_MS = 25;
/** An upload not processed by then counts as wrong. */
const GIVE_UP_MS = 60_000;

interface MStyle {
  width?: number;
  height?: number;
}

interface MAttachment {
  id: string;
  type: string;
  url: string | null;
  preview_url: string | null;
  blurhash: string | null;
  meta: { original?: MStyle; small?: MStyle } | null;
}

export interface UploadFigures {
  /** Uploads processed end to end while measuring. */
  processed: number;
  seconds: number;
  /** Milliseconds from sending each upload to the answer that has it processed. */
  times: number[];
  /** What was wrong with uploads that failed (each once, with how often). */
  failures: Map<string, number>;
}

/** What is wrong with a processed attachment's answer, or null. */
function wrongAttachment(attachment: MAttachment): string | null {
  if (attachment.type !== 'image') return `type ${attachment.type}`;
  if (!attachment.url || !attachment.preview_url) return 'no url or preview_url';
  if (!attachment.blurhash || attachment.blurhash.length < 6) return 'no blurhash';
  const { original, small } = attachment.meta ?? {};
  if (original?.width !== PHOTO_WIDTH || original.height !== PHOTO_HEIGHT)
    return `original ${original?.width}×${original?.height}`;
  if (!small?.width || !small.height || small.width * small.height > 640 * 360)
    return 'no fitting small size';
  return null;
}

/**
 * One upload as a client makes it: POST /api/v2/media (multipart, the file under `file`), then GET
 * /api/v1/media/:id every POLL_MS until it answers 200. Answers the processed attachment and the
 * milliseconds it took, or throws what went wrong.
 */
async function uploadOnce(
  origin: string,
  token: string,
  photo: Buffer,
): Promise<{ attachment: MAttachment; ms: number }> {
  const started = performance.now();
  const form = new FormData();
  form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
  const headers = { authorization: `Bearer ${token}` };
  const posted = await fetch(`${origin}/api/v2/media`, { method: 'POST', headers, body: form });
  if (posted.status !== 202 && posted.status !== 200)
    throw new Error(`POST /api/v2/media ${posted.status}: ${(await posted.text()).slice(0, 200)}`);
  let attachment = (await posted.json()) as MAttachment;
  let status = posted.status;
  while (status !== 200) {
    if (performance.now() - started > GIVE_UP_MS) throw new Error(`not processed within ${GIVE_UP_MS} ms`);
    await sleep(POLL_MS);
    const polled = await fetch(`${origin}/api/v1/media/${attachment.id}`, { headers });
    status = polled.status;
    if (status !== 200 && status !== 206)
      throw new Error(`GET /api/v1/media/:id ${status}: ${(await polled.text()).slice(0, 200)}`);
    attachment = (await polled.json()) as MAttachment;
  }
  const ms = performance.now() - started;
  const wrong = wrongAttachment(attachment);
  if (wrong) throw new Error(`processed attachment: ${wrong}`);
  return { attachment, ms };
}

/**
 * Before measuring: one upload end to end, and both stored files served as JPEGs of the sizes the
 * answer gives. Answers what is wrong, or null.
 */
export async function checkUpload(origin: string, token: string, photo: Buffer): Promise<string | null> {
  try {
    const { attachment } = await uploadOnce(origin, token, photo);
    for (const [url, style] of [
      [attachment.url, attachment.meta?.original],
      [attachment.preview_url, attachment.meta?.small],
    ] as const) {
      const response = await fetch(url ?? '');
      if (response.status !== 200) return `${url} answered ${response.status}`;
      const file = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      if (file.format !== 'jpeg' || file.width !== style?.width || file.height !== style.height)
        return `${url} is a ${file.format} of ${file.width}×${file.height}, not as its meta says`;
    }
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * `inFlight` clients, each uploading the photo and waiting until it is processed, then the next,
 * for `seconds` after 2 s of warm-up; the users' tokens are taken in turn, so no user makes more
 * than a few uploads. An upload still under way when the time is up is waited for and counted.
 */
export async function measureUploads(
  origin: string,
  tokens: readonly string[],
  photo: Buffer,
  seconds: number,
  inFlight: number,
): Promise<UploadFigures> {
  let next = 0;
  const failures = new Map<string, number>();
  const run = async (duration: number): Promise<number[]> => {
    const until = performance.now() + duration * 1000;
    const times: number[] = [];
    const client = async (): Promise<void> => {
      while (performance.now() < until) {
        const token = tokens[next++ % tokens.length];
        try {
          times.push((await uploadOnce(origin, token, photo)).ms);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.set(message, (failures.get(message) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, client));
    return times;
  };
  await run(2);
  failures.clear();
  const started = performance.now();
  const times = await run(seconds);
  return { processed: times.length, seconds: (performance.now() - started) / 1000, times, failures };
}
