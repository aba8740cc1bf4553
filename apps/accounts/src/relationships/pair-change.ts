import { Inject, Injectable } from '@nestjs/common';
import type { EventDef, RelationshipRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { z } from 'zod';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph, type PartyRow, type Tx } from './follow-graph.repository';
import { RelationshipsQueries } from './relationships.queries';

/** What a change between a viewer and a target account gets to work with. */
export interface PairScope {
  readonly tx: Tx;
  readonly graph: FollowGraph;
  /** The viewer's row. */
  readonly viewer: PartyRow;
  /** The target's row (it exists and, unless the change allows it, is neither suspended nor hidden). */
  readonly target: PartyRow;
  /** Writes an event to the accounts outbox in this transaction. */
  readonly emit: <D extends EventDef>(def: D, payload: z.input<D['payload']>) => Promise<void>;
}

/**
 * The frame every relationship use case shares: one transaction (retried on deadlock), the pair
 * lock taken first so opposite changes between the same two accounts serialize, both accounts
 * checked (an unknown or suspended target is `not_found`), and the relationship as it stands after the change as the answer.
 */
@Injectable()
export class PairChanges {
  constructor(
    readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async run(
    viewerId: string,
    targetId: string,
    work: (scope: PairScope) => Promise<void>,
    options: {
      suspendedTarget?: 'refused' | 'allowed';
      /** The change only takes something away: a suspended or deleted viewer may still make it. */
      undo?: true;
    } = {},
  ): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, targetId);
      const { viewer, target } = await this.graph.parties(tx, viewerId, targetId, {
        suspendedTarget: options.suspendedTarget ?? 'refused',
        suspendedViewer: options.undo ? 'allowed' : 'refused',
      });
      await work({
        tx,
        graph: this.graph,
        viewer,
        target,
        emit: async (def, payload) => {
          await this.outbox.add(tx, def, payload);
        },
      });
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}
