import { Body, Controller, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { scopeSatisfied, type TokenGrant, type UserState } from '@mammut/contracts';
import { readFile } from 'node:fs/promises';
import { Auth, CurrentUser, Grant } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { toStr } from '../../../http/params';
import type { ReceivedFile } from '../../../http/uploads/upload-spec';
import { UploadedFiles, Uploads } from '../../../http/uploads/uploads';
import { IMPORT_FILE_LIMIT } from '../../../http/body-parsers';
import { type ImportMode, ImportRelationships, type ImportResult } from './import-relationships';
import { IMPORT_TYPES, type ImportType, importRows, InvalidImport } from './import-rows';

type Params = Record<string, unknown>;

const MODES: readonly ImportMode[] = ['merge', 'overwrite'];

/**
 * `POST /api/v1/mammut/imports`: follows, blocks or mutes from the CSV files Mastodon's export
 * page writes (and `GET /api/v1/mammut/exports/*.csv` does), as its import page reads them.
 * `type` is `follows`, `blocks` or `mutes`; `mode` is `merge` (default: add to what there is) or
 * `overwrite` (also end what the file does not list). The file is the `data` field of a
 * multipart form, or the whole body as `text/csv` (`type` and `mode` then in the query), at most
 * 1 MB and 1,000 rows. It runs while the request waits and answers
 * `{type, mode, total, imported, failed: [addresses]}`; a file that is not such a CSV is 422.
 */
@Controller('api/v1/mammut/imports')
export class ImportsController {
  constructor(@Inject(ImportRelationships) private readonly imports: ImportRelationships) {}

  @Post()
  @HttpCode(200)
  @Auth.user('write:follows', 'write:blocks', 'write:mutes')
  @Uploads({ files: { data: { maxBytes: IMPORT_FILE_LIMIT } } })
  async create(
    @CurrentUser() user: UserState,
    @Grant() grant: TokenGrant,
    @Query() query: Params,
    @Body() body: Params | string | undefined,
    @UploadedFiles() files: Readonly<Record<string, ReceivedFile>>,
  ): Promise<ImportResult> {
    const params = { ...query, ...(typeof body === 'object' ? body : {}) };
    const type = toStr(params.type) as ImportType | undefined;
    const mode = (toStr(params.mode) ?? 'merge') as ImportMode;
    if (!type || !IMPORT_TYPES.includes(type))
      throw Errors.unprocessable('Validation failed: Type must be follows, blocks or mutes');
    // Any of the three lets the request in; the one of its type must be there.
    if (!scopeSatisfied(grant.scopes, `write:${type}`)) throw Errors.outsideScopes();
    if (!MODES.includes(mode))
      throw Errors.unprocessable('Validation failed: Mode must be merge or overwrite');
    const text = files.data
      ? await readFile(files.data.path, 'utf8')
      : typeof body === 'string'
        ? body
        : undefined;
    if (text === undefined) throw Errors.unprocessable('Validation failed: Data must be a CSV file');
    let rows;
    try {
      rows = importRows(text);
    } catch (error) {
      if (error instanceof InvalidImport) throw Errors.unprocessable(`Validation failed: ${error.message}`);
      throw error;
    }
    return this.imports.execute(user.accountId, type, mode, rows);
  }
}
