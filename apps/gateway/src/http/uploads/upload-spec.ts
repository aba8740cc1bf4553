import type { FastifyRequest } from 'fastify';

/** The file fields a route takes and how large each may be; everything else is refused. */
export interface UploadSpec {
  /** Per field name (`avatar`, `file`), the largest file accepted, in bytes. */
  readonly files: Readonly<Record<string, { readonly maxBytes: number }>>;
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

export interface UploadingRequest extends FastifyRequest {
  uploads?: Readonly<Record<string, ReceivedFile>>;
}

/** The key of the Fastify route config that carries a route's upload declaration. */
export const UPLOADS_CONFIG = 'mammutUploads';

/** The upload declaration of the route a request was routed to, if it takes files. */
export function uploadSpecOf(request: FastifyRequest): UploadSpec | undefined {
  const config = request.routeOptions.config as { [UPLOADS_CONFIG]?: UploadSpec } | undefined;
  return config?.[UPLOADS_CONFIG];
}
