import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger, type MediaProcessingConfig } from '@mammut/platform';

/** A tool ran past its time and was killed: the file costs more than this server gives one upload. */
export class ToolTimeout extends Error {
  override name = 'ToolTimeout';
}

/** A tool is not installed (or not where the configuration says). */
export class ToolMissing extends Error {
  override name = 'ToolMissing';
}

/** A tool exited with an error: the file is not what it seemed, or is damaged. */
export class ToolFailed extends Error {
  override name = 'ToolFailed';
}

/** The most of a tool's standard output kept (ffprobe's JSON of a sane file is a few KB). */
const MAX_STDOUT = 1024 * 1024;
/** The end of a tool's error output kept for the failure's message. */
const STDERR_TAIL = 600;

/**
 * Runs a tool as a child process with arguments (never a shell), killing it (SIGKILL: a stuck
 * decoder does not get to clean up) once `timeoutMs` has passed. Resolves with its output;
 * rejects with {@link ToolMissing}, {@link ToolTimeout} or {@link ToolFailed}.
 */
export function runTool(command: string, args: readonly string[], timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= MAX_STDOUT) out.push(chunk);
      else child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-STDERR_TAIL);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new ToolMissing(`${command} is not installed`) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new ToolTimeout(`${command} ran longer than ${timeoutMs} ms`));
      else if (outBytes > MAX_STDOUT) reject(new ToolFailed(`${command} wrote too much output`));
      else if (code !== 0)
        reject(
          new ToolFailed(`${command} failed (${signal ?? `exit ${code}`}): ${err.trim() || 'no message'}`),
        );
      else resolve(Buffer.concat(out));
    });
  });
}

/** A directory of its own under the OS's temporary directory for `use`, removed whatever happens. */
export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mammut-media-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Which of the external tools this process can run. */
export interface ToolAvailability {
  /** ffmpeg and ffprobe: video, audio and animated GIFs. */
  readonly ffmpeg: boolean;
  /** heif-convert: HEIC photos. */
  readonly heif: boolean;
}

/**
 * The external tools of media processing, as configured: where they are, how long one upload's
 * processing may run them, how many threads ffmpeg gets. Whether they are installed is looked up
 * once; a missing one is warned about once and its kinds of media are then refused.
 */
export class MediaTools {
  private readonly log = logger('media:tools');
  private availability?: Promise<ToolAvailability>;

  constructor(readonly config: MediaProcessingConfig) {}

  available(): Promise<ToolAvailability> {
    return (this.availability ??= (async () => {
      const [ffmpeg, ffprobe, heif] = await Promise.all([
        this.installed(this.config.ffmpegPath, ['-version']),
        this.installed(this.config.ffprobePath, ['-version']),
        this.installed(this.config.heifConvertPath, ['--help']),
      ]);
      if (!ffmpeg || !ffprobe)
        this.log.warn(
          { ffmpeg: this.config.ffmpegPath, ffprobe: this.config.ffprobePath },
          'ffmpeg or ffprobe not found: video, audio and animated GIF uploads are refused (install ffmpeg)',
        );
      if (!heif)
        this.log.warn(
          { heifConvert: this.config.heifConvertPath },
          'heif-convert not found: HEIC photos are refused (install libheif-examples)',
        );
      return { ffmpeg: ffmpeg && ffprobe, heif };
    })());
  }

  ffmpeg(args: readonly string[], timeoutMs: number): Promise<Buffer> {
    return runTool(this.config.ffmpegPath, args, timeoutMs);
  }

  ffprobe(args: readonly string[], timeoutMs: number): Promise<Buffer> {
    return runTool(this.config.ffprobePath, args, timeoutMs);
  }

  heifConvert(args: readonly string[], timeoutMs: number): Promise<Buffer> {
    return runTool(this.config.heifConvertPath, args, timeoutMs);
  }

  /** Installed when it runs at all: some print their help with a non-zero exit. */
  private async installed(command: string, args: string[]): Promise<boolean> {
    try {
      await runTool(command, args, 10_000);
      return true;
    } catch (error) {
      return !(error instanceof ToolMissing) && !(error instanceof ToolTimeout);
    }
  }
}
