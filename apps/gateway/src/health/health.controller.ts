import { Controller, Get, Header, Res } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import { HealthChecks } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth/auth.decorator';

/**
 * Liveness (`/health`, Mastodon's plain `OK`, touching no dependency) and readiness
 * (`/health/ready`): terminus' report on every dependency this process holds — PostgreSQL of
 * each hosted service, Redis, NATS — answered 503 when one is down or the process is stopping.
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
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const { ready, result } = await this.checks.readiness();
    if (!ready) void reply.status(503);
    return result;
  }
}
