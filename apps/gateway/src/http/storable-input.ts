import { unstorableTextPath } from '@mammut/platform';
import type { FastifyRequest } from 'fastify';
import { Errors } from './errors';

/**
 * Refuses (422) a request whose input holds a string PostgreSQL cannot store (NUL), in any field
 * or key of the query, the path or the body, whatever the route: nothing reaches a query and
 * nothing is stored. Runs before every handler (a `preHandler` hook), and on a streamed upload's
 * fields once they are read.
 */
export function assertStorableInput(...inputs: unknown[]): void {
  for (const input of inputs) {
    const field = unstorableTextPath(input);
    if (field !== null) throw Errors.unstorableText(field);
  }
}

/** The `preHandler` hook (callback form: no promise per request). */
export function refuseUnstorableInput(
  request: FastifyRequest,
  _reply: unknown,
  done: (error?: Error) => void,
): void {
  try {
    assertStorableInput(request.query, request.params, request.body);
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
}
