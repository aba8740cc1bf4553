import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config, logger } from '@mammut/platform';
import { createTransport, type Transporter } from 'nodemailer';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Sends the "confirm your email address" mail through the operator's SMTP server. */
@Injectable()
export class ConfirmationMailer {
  private transport: Transporter | undefined;

  constructor(@Inject(CONFIG) private readonly config: Config) {}

  get enabled(): boolean {
    return Boolean(this.config.smtpUrl);
  }

  confirmationUrl(token: string): string {
    return `${this.config.publicOrigin}/auth/confirmation?confirmation_token=${encodeURIComponent(token)}`;
  }

  async send(to: string, username: string, token: string): Promise<void> {
    if (!this.config.smtpUrl) return;
    this.transport ??= createTransport(this.config.smtpUrl);
    const link = this.confirmationUrl(token);
    const title = this.config.siteTitle;
    await this.transport.sendMail({
      from: this.config.smtpFrom,
      to,
      subject: `${title}: Confirmation instructions`,
      text: `Welcome, @${username}!\n\nTo confirm your email address and activate your account on ${title}, open:\n\n${link}\n\nIf you did not sign up, ignore this mail.\n`,
      html: `<p>Welcome, @${escapeHtml(username)}!</p><p>To confirm your email address and activate your account on ${escapeHtml(title)}, follow this link:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>If you did not sign up, ignore this mail.</p>`,
    });
    logger('accounts:confirmation-mail').info({ username }, 'confirmation mail sent');
  }
}
