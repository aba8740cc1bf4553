import { type ErrorCode, type ErrorDetails } from '@mammut/contracts';

/** Mastodon's HTTP status for each contract error code: one exhaustive switch. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'invalid_request':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'gone':
      return 410;
    case 'unprocessable':
      return 422;
    case 'rate_limited':
      return 429;
    case 'internal':
      return 500;
    case 'unavailable':
      return 503;
  }
}

/** An error answered with Mastodon's body; thrown by gateway code that is not a use case. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: ErrorDetails,
    readonly extra?: Record<string, string>,
  ) {
    super(message);
  }
}

export const Errors = {
  invalidToken: () => new HttpError(401, 'The access token is invalid'),
  outsideScopes: () => new HttpError(403, 'This action is outside the authorized scopes'),
  userRequired: () => new HttpError(422, 'This method requires an authenticated user'),
  notAllowed: () => new HttpError(403, 'This action is not allowed'),
  notFound: () => new HttpError(404, 'Record not found'),
  unprocessable: (message: string, details?: ErrorDetails) => new HttpError(422, message, details),
  bodyTooLarge: () => new HttpError(413, 'Request body is too large'),
  bodyMalformed: () => new HttpError(400, 'Request body could not be parsed'),
  /** A file where the route takes none, or in a field that is not one of its file fields. */
  fileNotAccepted: (field: string) =>
    new HttpError(422, 'Validation failed: Files are not accepted here', {
      [field]: [{ error: 'ERR_INVALID', description: 'cannot be a file' }],
    }),
  /** A string PostgreSQL could not store (NUL), wherever it was in the request. */
  unstorableText: (field: string) =>
    new HttpError(422, 'Validation failed: Text contains invalid characters', {
      [field]: [{ error: 'ERR_INVALID', description: 'contains invalid characters' }],
    }),
};
