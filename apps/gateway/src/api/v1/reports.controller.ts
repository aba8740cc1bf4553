import { Body, Controller, HttpCode, Inject, Post, Query } from '@nestjs/common';
import {
  contracts,
  REPORT_LIMITS,
  type ReportCategory,
  reportCategory,
  type UserState,
} from '@mammut/contracts';
import type { MReport } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { Errors } from '../../http/errors';
import { isId, toBool, toStr, toStrList } from '../../http/params';
import { ReportPresenter } from './report-presenter';

type Params = Record<string, unknown>;

/** The category asked for, none when empty; one Mastodon does not know is a 422. */
function categoryOf(text: string | undefined): ReportCategory | null {
  if (!text) return null;
  const parsed = reportCategory.safeParse(text);
  if (!parsed.success) throw Errors.unprocessable(`'${text.slice(0, 100)}' is not a valid category`);
  return parsed.data;
}

/**
 * `POST /api/v1/reports`: a user reports an account, with some of its statuses, to this server's
 * moderators, and, when it is remote and `forward` is set, to its own server's. Mastodon answers
 * 404 for an account or a status (not the account's) that cannot be found, 422 for a comment over
 * 1,000 characters, an unknown category or rules that are not the server's.
 */
@Controller('api/v1')
export class ReportsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly reports: ReportPresenter,
  ) {}

  @Post('reports')
  @HttpCode(200)
  @Auth.user('write:reports')
  async create(
    @CurrentUser() user: UserState,
    @Query() query: Params,
    @Body() body: Params | undefined,
  ): Promise<MReport> {
    const param = (name: string): unknown => body?.[name] ?? query[name];
    const targetAccountId = toStr(param('account_id'));
    const statusIds = [...new Set(toStrList(param('status_ids')))];
    if (!targetAccountId || !isId(targetAccountId) || statusIds.some((id) => !isId(id)))
      throw Errors.notFound();
    if (statusIds.length > REPORT_LIMITS.statuses)
      throw Errors.unprocessable(
        `Validation failed: At most ${REPORT_LIMITS.statuses} statuses can be reported`,
      );
    const ruleIds = toStrList(param('rule_ids'));
    if (ruleIds.some((id) => !isId(id)))
      throw Errors.unprocessable('Validation failed: Rule ids does not reference valid rules');
    const category = categoryOf(toStr(param('category'))?.trim());
    const comment = toStr(param('comment')) ?? '';
    const { report } = await this.bus.request(contracts.moderation.reports.create, {
      accountId: user.accountId,
      targetAccountId,
      statusIds,
      ruleIds: ruleIds.slice(0, 100),
      // One character past the limit is enough for the service to refuse it.
      comment: comment.slice(0, REPORT_LIMITS.commentLength + 1),
      category,
      forward: toBool(param('forward')) ?? false,
      uri: null,
    });
    const presented = (await this.reports.present([report])).get(report.id);
    if (!presented) throw Errors.notFound();
    return presented;
  }
}
