import { createServer, type Server, type Socket } from 'node:net';

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  /** The raw message (headers and body, quoted-printable parts left as sent). */
  readonly data: string;
}

/**
 * A minimal SMTP server on a loopback port that accepts every message and keeps it, so tests can
 * read what Mammut mailed. No TLS, no AUTH: only what nodemailer needs for a plain `smtp://` URL.
 */
export class FakeSmtp {
  readonly mails: ReceivedMail[] = [];
  private server: Server | undefined;
  private waiters: Array<() => void> = [];

  async start(): Promise<string> {
    this.server = createServer((socket) => this.session(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `smtp://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves with the mails to `address` once at least `count` have arrived. */
  async mailsTo(address: string, count = 1, timeoutMs = 5000): Promise<ReceivedMail[]> {
    const to = (): ReceivedMail[] =>
      this.mails.filter((mail) =>
        mail.to.some((rcpt) => rcpt.toLowerCase() === `<${address.toLowerCase()}>`),
      );
    const deadline = Date.now() + timeoutMs;
    while (to().length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mails to ${address}, got ${to().length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return to();
  }

  private session(socket: Socket): void {
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    let data = '';
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    reply('220 fake-smtp ready');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            this.mails.push({ from, to, data });
            this.waiters.splice(0).forEach((wake) => wake());
            reply('250 queued');
          } else {
            data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 fake-smtp');
        else if (verb === 'MAIL') {
          from = line.slice(10).trim();
          to = [];
          reply('250 ok');
        } else if (verb === 'RCPT') {
          to.push(line.slice(8).trim());
          reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          data = '';
          reply('354 end with .');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else reply('502 not implemented');
      }
    });
    socket.on('error', () => undefined);
  }
}
