import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  contracts,
  MEDIA_LIMITS,
  type MediaAttachmentRecord,
  uploadCapOf,
  type UserState,
} from '@mammut/contracts';
import { type MMediaAttachment, serializeMediaAttachment } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { pathId } from '../../../http/params';
import type { StoredUpload } from '../../../http/uploads/upload-spec';
import { StoredUploads, Uploads } from '../../../http/uploads/uploads';
import { descriptionOf, focusOf } from './media-fields';

type Params = Record<string, unknown>;

/**
 * The upload fields of `POST /api/v{1,2}/media`: the file, streamed into storage, at most 99 MB
 * when its first bytes are a video or audio container, else 16 MB (Mastodon's caps; the media
 * service checks again for what the whole file turns out to be).
 */
const MEDIA_UPLOAD = {
  files: { file: { maxBytes: MEDIA_LIMITS.videoBytes, storage: true, capOf: uploadCapOf } },
};

const processed = (attachment: MediaAttachmentRecord): boolean => attachment.processing === 'complete';

/** The attachment's JSON, with 200 once processed and `pending` (202 or 206) until then. */
function answer(
  reply: FastifyReply,
  attachment: MediaAttachmentRecord,
  pending: 202 | 206,
): MMediaAttachment {
  void reply.status(processed(attachment) ? 200 : pending);
  return serializeMediaAttachment(attachment);
}

/**
 * Mastodon's media API: an image is uploaded (v2 answers 202 at once and processes it in the
 * background, v1 answers once it is processed), looked at (206 while processing, 422 once failed),
 * given alt text and a focal point, or deleted while no status carries it. Every route takes
 * `write:media`, as Mastodon's, and reaches only the caller's own attachments (404 otherwise).
 */
@Controller()
export class MediaController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Post('api/v1/media')
  @HttpCode(200)
  @Auth.user('write:media')
  @Uploads(MEDIA_UPLOAD)
  async createV1(
    @CurrentUser() user: UserState,
    @Query() query: Params,
    @Body() body: Params | undefined,
    @StoredUploads() uploads: Readonly<Record<string, StoredUpload>>,
  ): Promise<MMediaAttachment> {
    return serializeMediaAttachment(await this.create(user, { ...query, ...body }, uploads.file, true));
  }

  @Post('api/v2/media')
  @Auth.user('write:media')
  @Uploads(MEDIA_UPLOAD)
  async createV2(
    @CurrentUser() user: UserState,
    @Query() query: Params,
    @Body() body: Params | undefined,
    @StoredUploads() uploads: Readonly<Record<string, StoredUpload>>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MMediaAttachment> {
    return answer(reply, await this.create(user, { ...query, ...body }, uploads.file, false), 202);
  }

  @Get('api/v1/media/:id')
  @Auth.user('write:media')
  async show(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MMediaAttachment> {
    const { attachment } = await this.bus.request(contracts.media.attachments.get, {
      accountId: user.accountId,
      id: pathId(id),
    });
    return answer(reply, attachment, 206);
  }

  @Put('api/v1/media/:id')
  @Auth.user('write:media')
  async update(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Query() query: Params,
    @Body() body: Params | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MMediaAttachment> {
    const params = { ...query, ...body };
    const { attachment } = await this.bus.request(contracts.media.attachments.update, {
      accountId: user.accountId,
      id: pathId(id),
      description: descriptionOf(params.description),
      focus: focusOf(params.focus),
    });
    return answer(reply, attachment, 206);
  }

  /** Mastodon 4.4's destroy: an empty object, or 422 while a status carries it. */
  @Delete('api/v1/media/:id')
  @Auth.user('write:media')
  async destroy(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    await this.bus.request(contracts.media.attachments.delete, { accountId: user.accountId, id: pathId(id) });
    return {};
  }

  private async create(
    user: UserState,
    params: Params,
    upload: StoredUpload | undefined,
    processNow: boolean,
  ): Promise<MediaAttachmentRecord> {
    if (!upload) throw Errors.unprocessable("Validation failed: File can't be blank");
    const description = descriptionOf(params.description) ?? null;
    const focus = focusOf(params.focus) ?? null;
    // From here the media service owns the upload: it removes it whatever it answers.
    upload.handOver();
    const { attachment } = await this.bus.request(contracts.media.attachments.create, {
      accountId: user.accountId,
      uploadKey: upload.key,
      description,
      focus,
      processNow,
    });
    return attachment;
  }
}
