import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { SearchService } from './search.service';

/** `search.*` on the bus. */
@Injectable()
export class SearchHandlers {
  constructor(private readonly search: SearchService) {}

  readonly bound = defineHandlers(contracts.search, {
    query: (query) => this.search.query(query),
  });
}
