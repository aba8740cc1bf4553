import type { FastifyRequest } from 'fastify';

/** The file fields a route takes and how large each may be; everything else is refused. */
export interface UploadSpec {
  /**
   * Per field name (`avatar`, `file`), the largest file accepted, in bytes, and whether it goes
   * straight into media storage (for a service to take from there) rather than a temporary file.
   */
  readonly files: Readonly<
    Record<
      string,
      {
        readonly maxBytes: number;
        readonly storage?: boolean;
        /**
         * The cap of this file from its first bytes (at most `maxBytes`, the largest it may be):
         * media uploads are capped as what they say they are while they stream in.
         */
        readonly capOf?: (head: Buffer) => number;
      }
    >
  >;
}

/** A file received by a route declared with `@Uploads`: on disk until the request ends. */
export interface ReceivedFile {
  readonly field: string;
  /** What the client called it: for display only, never a path. */
  readonly clientName: string;
  /** What the client says it is; the bytes decide what it really is. */
  readonly clientType: string;
  /** A temporary file named by the gateway, removed when the request ends. */
  readonly path: string;
  readonly size: number;
}

/**
 * A file received by a route declared with `@Uploads` into media storage, under a temporary key
 * that is never served. Removed when the request ends unless handed over to the service that
 * takes it from there (which then removes it once done with it).
 */
export interface StoredUpload {
  readonly field: string;
  /** What the client called it: for display only, never a key. */
  readonly clientName: string;
  /** What the client says it is; the bytes decide what it really is. */
  readonly clientType: string;
  /** The temporary storage key, named by the gateway. */
  readonly key: string;
  readonly size: number;
  /** The key now belongs to a service: the end of the request leaves it be. */
  handOver(): void;
}

export interface UploadingRequest extends FastifyRequest {
  uploads?: Readonly<Record<string, ReceivedFile>>;
  storedUploads?: Readonly<Record<string, StoredUpload>>;
}

/** The key of the Fastify route config that carries a route's upload declaration. */
export const UPLOADS_CONFIG = 'mammutUploads';

/** The upload declaration of the route a request was routed to, if it takes files. */
export function uploadSpecOf(request: FastifyRequest): UploadSpec | undefined {
  const config = request.routeOptions.config as { [UPLOADS_CONFIG]?: UploadSpec } | undefined;
  return config?.[UPLOADS_CONFIG];
}
