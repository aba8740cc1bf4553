import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { FederationHttp } from './federation-http';

/** `federation.http.*` on the bus. */
@Injectable()
export class FederationHttpHandlers {
  constructor(private readonly http: FederationHttp) {}

  readonly bound = defineHandlers(contracts.federation.http, {
    handle: (request) => this.http.handle(request),
  });
}
