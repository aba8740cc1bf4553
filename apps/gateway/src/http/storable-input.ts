import { unstorableTextPath } from '@mammut/platform';
import type { FastifyRequest } from 'fastify';
import { Errors } from './errors';

/**
 * Refuses (422) a request whose input holds a string PostgreSQL cannot store (NUL), in any field
 * or key of the query, the path or the body, whatever the route: nothing reaches a query and
 * nothing is stored. Runs before every handler (see unstorableInputError), and on a streamed upload's
 * fields once they are read.
 */
export function assertStorableInput(...inputs: unknown[]): void {
  for (const input of inputs) {
    const field = unstorableTextPath(input);
    if (field !== null) throw Errors.unstorableText(field);
  }
}

/**
 * The check of a request's whole input (query, path, parsed body), run once it is parsed, before
 * any handler (registerBodyParsers' `preValidation` hook): the error to answer, if any.
 */
export function unstorableInputError(request: FastifyRequest): Error | undefined {
  try {
    assertStorableInput(request.query, request.params, request.body);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
