// The MinIO server the S3 tests run against: built once from source with the Go toolchain into
// .tools/bin (gitignored), at a pinned version, so that `npm test` needs Go but no MinIO install.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** MinIO's main module at a fixed commit (a Go pseudo-version: MinIO tags no Go module releases). */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(repo, '.tools/bin');
const binary = join(bin, 'minio');
/** Which version the binary in .tools/bin is: a changed pin builds anew. */
const stamp = join(bin, 'minio.version');

/**
 * The path of a MinIO server binary at {@link MINIO_VERSION}, built with `go install` when missing
 * (a few minutes, once). The build goes to a directory of its own and is renamed into place, so a
 * run cut off midway or a second run at the same time never sees half a binary.
 */
export function ensureMinio({ log = (line) => console.log(line) } = {}) {
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === MINIO_VERSION) {
    return binary;
  }
  const building = join(repo, '.tools', `build-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const started = Date.now();
  log(`building MinIO ${MINIO_VERSION} for the S3 tests (go install, once; several minutes) …`);
  try {
    execFileSync('go', ['install', `${MINIO_MODULE}@${MINIO_VERSION}`], {
      env: { ...process.env, GOBIN: building },
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    mkdirSync(bin, { recursive: true });
    renameSync(join(building, 'minio'), binary);
    writeFileSync(stamp, `${MINIO_VERSION}\n`);
  } catch (error) {
    const detail =
      error.code === 'ENOENT'
        ? 'the Go toolchain (`go`) is not installed'
        : String(error.stderr ?? error)
            .trim()
            .split('\n')
            .slice(-5)
            .join('\n');
    throw new Error(`cannot build MinIO ${MINIO_VERSION}: ${detail}`);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  log(`MinIO built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}

// `node scripts/tools/minio.mjs`: prints the binary's path (building it first when missing), for
// callers that are not ES modules (the jest helper); progress goes to stderr.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    console.log(ensureMinio({ log: (line) => console.error(line) }));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
