import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  UseInterceptors,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  type ReceivedFile,
  type StoredUpload,
  UPLOADS_CONFIG,
  type UploadingRequest,
  type UploadSpec,
} from './upload-spec';
import { UploadsInterceptor } from './uploads.interceptor';

/**
 * Declares that a route takes files, with per-field limits. Only such a route reads a multipart
 * body as a stream, and only once throttles and authentication have let the request through
 * (UploadsInterceptor); its files go to temporary files on disk. Every other route reads
 * multipart as any other small body (1 MiB, no files).
 */
export const Uploads = (spec: UploadSpec): MethodDecorator =>
  applyDecorators(RouteConfig({ [UPLOADS_CONFIG]: spec }), UseInterceptors(UploadsInterceptor));

/** The files of a route declared with `@Uploads`, by field name (empty without a multipart body). */
export const UploadedFiles = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Readonly<Record<string, ReceivedFile>> =>
    ctx.switchToHttp().getRequest<UploadingRequest>().uploads ?? {},
);

/** The files of a route declared with `@Uploads` that went into media storage, by field name. */
export const StoredUploads = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Readonly<Record<string, StoredUpload>> =>
    ctx.switchToHttp().getRequest<UploadingRequest>().storedUploads ?? {},
);
