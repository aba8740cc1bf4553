import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { MEDIA_STORAGE, type MediaStorage } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { from, type Observable, switchMap } from 'rxjs';
import { assertStorableInput } from '../storable-input';
import { receiveUploads } from './receive-uploads';
import { uploadSpecOf, type UploadingRequest } from './upload-spec';

/**
 * On a route declared with `@Uploads`, reads a multipart body once the guards (throttles,
 * authentication) have let the request through: files streamed to temporary files removed when
 * the response ends (or into media storage, for fields declared so), fields into the body the
 * handler sees (checked as any other body is).
 */
@Injectable()
export class UploadsInterceptor implements NestInterceptor {
  constructor(@Inject(MEDIA_STORAGE) private readonly storage: MediaStorage) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<UploadingRequest>();
    const spec = uploadSpecOf(request);
    if (!spec || !request.isMultipart()) return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const received = (async (): Promise<void> => {
      const uploads = await receiveUploads(request, spec, this.storage);
      // Once the response is sent, or the client has gone, the files are no longer needed.
      if (reply.raw.closed) void uploads.cleanup();
      else reply.raw.once('close', () => void uploads.cleanup());
      assertStorableInput(uploads.body);
      (request as { body: unknown }).body = uploads.body;
      request.uploads = uploads.files;
      request.storedUploads = uploads.stored;
    })();
    return from(received).pipe(switchMap(() => next.handle()));
  }
}
