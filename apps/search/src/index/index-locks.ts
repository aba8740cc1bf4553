import type { EntityManager } from 'typeorm';

/** Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)). */
export const AUTHOR_LOCK = 0x5ea2c401;
export const STATUS_LOCK = 0x5ea2c402;

/**
 * Takes a transaction-scoped advisory lock on one author's (or one status's) index entries.
 * Writes to a status and to its author's flags are serialised by the author's lock: a status
 * indexed while its author is suspended reads the flags the suspension committed, and the
 * suspension's update finds the status that was indexed first. A transaction may take a lock it
 * holds again.
 */
export async function lockIndex(tx: EntityManager, namespace: number, id: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [namespace, id]);
}
