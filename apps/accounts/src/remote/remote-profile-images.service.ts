import { Inject, Injectable } from '@nestjs/common';
import type { RequestOf, contracts } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';

type ProfileImageChange = RequestOf<typeof contracts.accounts.remote.setRemoteProfileImage>;

/** The columns of each profile image: the copy here, its still frame, and where its server has it. */
const COLUMNS = {
  avatar: { url: 'avatar_url', still: 'avatar_static_url', remote: 'avatar_remote_url' },
  header: { url: 'header_url', still: 'header_static_url', remote: 'header_remote_url' },
} as const;

/**
 * A remote account's avatar or header, cached by the media service: the copy becomes the
 * account's only while its server still names the image it was made from (an update that came
 * meanwhile wins). No event: the read caches hear the row change; the profile is the same.
 */
@Injectable()
export class RemoteProfileImages {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async set(change: ProfileImageChange): Promise<{ taken: boolean }> {
    const column = COLUMNS[change.kind];
    // An UPDATE answers [rows, count] through TypeORM.
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE accounts.accounts SET ${column.url} = $2, ${column.still} = $4, updated_at = now()
        WHERE id = $1 AND domain IS NOT NULL AND ${column.remote} IS NOT DISTINCT FROM $3
        RETURNING id`,
      [change.accountId, change.url, change.remoteUrl, change.staticUrl ?? null],
    );
    return { taken: rows.length > 0 };
  }
}
