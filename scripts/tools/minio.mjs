// The MinIO server the S3 tests run against, built once with `go install` (see go-tool.mjs).
import { ensureGoTool, printWhenRun } from './go-tool.mjs';

/** MinIO's main module at a fixed commit (a Go pseudo-version: MinIO tags no Go module releases). */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

/** The path of a MinIO server binary at {@link MINIO_VERSION}, built when missing. */
export function ensureMinio({ log } = {}) {
  return ensureGoTool({
    name: 'minio',
    label: 'MinIO for the S3 tests',
    pkg: MINIO_MODULE,
    version: MINIO_VERSION,
    ...(log ? { log } : {}),
  });
}

printWhenRun(import.meta.url, ensureMinio);
