import { Controller, Get, Header, Res } from '@nestjs/common';
import { type HealthReport, HealthChecks } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth/auth.decorator';

/**
 * Liveness (`/health`, Mastodon's plain `OK`) and readiness (`/health/ready`): every dependency
 * this process holds — PostgreSQL of each hosted service, Redis, NATS — with 503 naming what is down.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly checks: HealthChecks) {}

  @Get()
  @Auth.none()
  @Header('content-type', 'text/plain; charset=utf-8')
  @Header('cache-control', 'no-store')
  live(): string {
    return 'OK';
  }

  @Get('ready')
  @Auth.none()
  @Header('cache-control', 'no-store')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.checks.run();
    if (!report.ok) void reply.status(503);
    return report;
  }
}
