import passport from 'passport';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a strategy decided: the user it authenticated (false when it failed), and why. */
export interface StrategyOutcome {
  readonly user: unknown;
  /** The strategy's `info` on success, its challenge on failure. */
  readonly info: unknown;
}

/** What strategies report through: errors are what their `validate` threw (the bus's ContractErrors). */
type Middleware = (request: FastifyRequest, reply: FastifyReply, next: (error?: Error) => void) => void;

/**
 * With a callback, passport hands the outcome back and does nothing else (no session, no
 * redirect, no response): one frozen options object for every request.
 */
const CALLBACK_ONLY = Object.freeze({ session: false });

const OWN = Symbol('mammut.passport');

/**
 * The Authenticator a strategy registers with and runs through. Passport's default is one
 * registry per process, where @nestjs/passport's PassportStrategy registers each strategy from
 * its constructor: two gateways in one process (tests run two on one database) would then share
 * the last one's strategies, and with them its bus. A strategy returns this from
 * `getPassportInstance()` (called while it is being constructed, so the registry is kept on the
 * instance under a symbol, not in a field) and so keeps one Authenticator of its own.
 */
export function ownAuthenticator(strategy: object): passport.Authenticator {
  const holder = strategy as { [OWN]?: passport.Authenticator };
  return (holder[OWN] ??= new passport.Authenticator());
}

/** Runs the named strategy of `authenticator` on one request through `passport.authenticate`. */
export function runStrategy(
  authenticator: passport.Authenticator,
  name: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StrategyOutcome> {
  return new Promise((resolve, reject) => {
    const middleware = authenticator.authenticate(
      name,
      CALLBACK_ONLY,
      (error: Error | null, user: unknown, info: unknown) => {
        if (error) reject(error);
        else resolve({ user, info });
      },
    ) as Middleware;
    // `next` is only reached when the strategy neither decides nor fails (`pass()`), or is unknown.
    middleware(request, reply, (error) => reject(error ?? new Error(`strategy ${name} did not decide`)));
  });
}
