import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config, extractMentions, type MentionTarget, renderPlainText } from '@mammut/platform';
import { AccountsQueries } from './accounts.queries';

/** Renders profile text (note, field values) with mentions of accounts this server knows. */
@Injectable()
export class ProfileText {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly queries: AccountsQueries,
  ) {}

  async render(texts: string[]): Promise<string[]> {
    const handles = [...new Set(texts.flatMap((text) => extractMentions(text)))].slice(0, 50);
    const { accounts } = await this.queries.byAccts(handles, this.config.localDomain);
    const mentions = new Map<string, MentionTarget>();
    for (const account of accounts) {
      const target = { username: account.username, url: account.url ?? account.uri };
      // A bare `@user` names a local account only; a remote one needs its domain.
      if (account.domain === null) mentions.set(account.username.toLowerCase(), target);
      mentions.set(`${account.username}@${account.domain ?? this.config.localDomain}`.toLowerCase(), target);
    }
    return texts.map((text) => renderPlainText(text, { publicOrigin: this.config.publicOrigin, mentions }));
  }
}
