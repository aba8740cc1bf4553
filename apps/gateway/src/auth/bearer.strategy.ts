import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { contracts, type TokenGrant } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import passport from 'passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from './bearer-token';
import { ownAuthenticator, runStrategy } from './passport';

/** Why a request is not authenticated: it sent no token, or one that grants nothing. */
export type BearerRefusal = 'missing' | 'invalid';

export type BearerOutcome = { readonly grant: TokenGrant } | { readonly refused: BearerRefusal };

type Verify = (token: string, done: (error: unknown, grant?: TokenGrant | false | null) => void) => void;

/** Passport's types say Express; under Nest on Fastify its strategies are handed Fastify's request. */
type PassportRequest = Parameters<passport.Strategy['authenticate']>[0];

/** The longest token the accounts service is asked about (its contract's limit); longer ones are made up. */
const MAX_TOKEN_LENGTH = 512;

/**
 * Passport's bearer strategy, reading the token where and in the order Doorkeeper does
 * (`bearerToken`). passport-http-bearer reads the body before the query, refuses with 400 a token
 * found in two places and splits the header on a single space; Doorkeeper takes the first source
 * that holds a token and ignores the rest, so its clients would see different answers.
 */
class DoorkeeperBearerStrategy extends passport.Strategy {
  constructor(private readonly verify: Verify) {
    super();
    this.name = 'bearer';
  }

  override authenticate(request: PassportRequest): void {
    const token = bearerToken(request as unknown as FastifyRequest);
    if (token === undefined) return this.fail('missing' satisfies BearerRefusal);
    this.verify(token, (error, grant) => {
      if (error) this.error(error);
      else if (grant) this.success(grant);
      else this.fail('invalid' satisfies BearerRefusal);
    });
  }
}

/**
 * Authenticates API requests by their bearer token: the accounts service says what the token
 * grants (answered from its grant cache, ADR 0005). Deciding whether a route accepts that grant is
 * the AuthGuard's job.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(DoorkeeperBearerStrategy, 'bearer') {
  constructor(@Inject(BUS) private readonly bus: Bus) {
    super();
  }

  /** Called by PassportStrategy while constructing: this strategy's own registry (see ownAuthenticator). */
  getPassportInstance(): passport.Authenticator {
    return ownAuthenticator(this);
  }

  /** What a token grants, or false when it grants nothing (unknown, revoked, its user gone). */
  async validate(token: string): Promise<TokenGrant | false> {
    if (token.length > MAX_TOKEN_LENGTH) return false;
    const { grant } = await this.bus.request(contracts.accounts.profiles.authenticateToken, { token });
    return grant ?? false;
  }

  /** Runs this strategy on a request through passport. */
  async authenticateRequest(request: FastifyRequest, reply: FastifyReply): Promise<BearerOutcome> {
    const { user, info } = await runStrategy(ownAuthenticator(this), 'bearer', request, reply);
    return user ? { grant: user as TokenGrant } : { refused: info as BearerRefusal };
  }
}
