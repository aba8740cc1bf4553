import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { ContractError } from '@mammut/contracts';
import { isOutage, logger } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { HttpError, statusOf } from './errors';

const log = logger('gateway:errors');

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
}

/**
 * Every error leaves as Mastodon's JSON body `{"error": "..."}`. Expected failures keep their
 * status; anything unexpected is a generic 500 whose detail is logged, never returned.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toResponse(exception);
    if (status >= 500) log.error({ err: exception }, 'request failed');
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

export function toResponse(exception: unknown): { status: number; body: Record<string, unknown> } {
  if (exception instanceof HttpError) {
    return {
      status: exception.status,
      body: {
        error: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
        ...exception.extra,
      },
    };
  }
  if (exception instanceof ContractError) {
    const status = statusOf(exception.code);
    const message =
      status >= 500 ? (status === 503 ? 'Service unavailable' : 'Internal server error') : exception.message;
    return { status, body: { error: message, ...(exception.details ? { details: exception.details } : {}) } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return { status, body: { error: 'Record not found' } };
    return { status, body: { error: status >= 500 ? 'Internal server error' : exception.message } };
  }
  const fastifyError = exception as FastifyLikeError;
  if (
    typeof fastifyError?.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    // Body parsing and size errors raised by Fastify before a handler runs.
    const messages: Record<string, string> = {
      FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported media type',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
      FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
    };
    const message = (fastifyError.code && messages[fastifyError.code]) ?? 'Request could not be parsed';
    return { status: fastifyError.statusCode, body: { error: message } };
  }
  // Redis or PostgreSQL away under the gateway's own work: 503, which clients retry, as on the bus.
  if (isOutage(exception)) return { status: 503, body: { error: 'Service unavailable' } };
  return { status: 500, body: { error: 'Internal server error' } };
}
