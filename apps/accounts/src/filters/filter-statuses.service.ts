import { Injectable } from '@nestjs/common';
import { FILTER_LIMITS, type FilterStatusRecord } from '@mammut/contracts';
import { Validation } from '../profiles/validation';
import { FiltersRepository } from './filters.repository';

/** POST /api/v2/filters/:filter_id/statuses: the caller checked that the viewer may see the status. */
@Injectable()
export class AddFilterStatus {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(viewerId: string, filterId: string, statusId: string): Promise<FilterStatusRecord> {
    return this.filters.change(viewerId, async (tx) => {
      await this.filters.lockAccount(tx, viewerId);
      const filter = await this.filters.get(viewerId, filterId, tx);
      const v = new Validation();
      if (filter.statuses.some((s) => s.statusId === statusId))
        v.add('status_id', 'ERR_TAKEN', 'Status has already been taken');
      else if (filter.statuses.length >= FILTER_LIMITS.statusesPerFilter)
        v.add(
          'status_id',
          'ERR_TOO_MANY',
          `Statuses are too many (maximum is ${FILTER_LIMITS.statusesPerFilter})`,
        );
      v.throwIfInvalid();
      const id = await this.filters.insertStatus(tx, filterId, statusId);
      if (id === null) {
        v.add('status_id', 'ERR_TAKEN', 'Status has already been taken');
        v.throwIfInvalid();
      }
      return { id: id as string, statusId };
    });
  }
}

/** DELETE /api/v2/filters/statuses/:id. */
@Injectable()
export class DeleteFilterStatus {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(viewerId: string, filterStatusId: string): Promise<Record<string, never>> {
    await this.filters.change(viewerId, async (tx) => {
      await this.filters.filterStatus(viewerId, filterStatusId, tx);
      await this.filters.deleteStatus(tx, filterStatusId);
    });
    return {};
  }
}
