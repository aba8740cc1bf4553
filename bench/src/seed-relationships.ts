import { Client } from 'pg';

/** What the relationships scenario expects back, to tell a real answer from a wrong one. */
export interface RelationshipFixture {
  /** The 40 target ids, in the order the request names them. */
  readonly targetIds: string[];
  readonly expected: {
    readonly following: number;
    readonly followedBy: number;
    readonly blocking: number;
    readonly blockedBy: number;
    readonly muting: number;
    readonly requested: number;
  };
}

/** Which of the 40 targets gets which relation from (or to) the viewer; overlaps on purpose. */
const plan = {
  following: (i: number) => i < 15,
  followedBy: (i: number) => i >= 10 && i < 22,
  blocking: (i: number) => i >= 22 && i < 27,
  blockedBy: (i: number) => i >= 25 && i < 28,
  // Two of the mutes have expired: they must count as no mute.
  muting: (i: number) => i >= 28 && i < 34,
  expiredMute: (i: number) => i === 32 || i === 33,
  requested: (i: number) => i >= 34 && i < 37,
  noted: (i: number) => i % 7 === 0,
  endorsed: (i: number) => i < 4,
} as const;

/**
 * 40 local accounts around one viewer, with a mix of follows both ways, blocks both ways, live and
 * expired mutes, pending requests, notes and endorsements, written straight to the database.
 */
export async function seedRelationships(
  databaseUrl: string,
  origin: string,
  viewerId: string,
): Promise<RelationshipFixture> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const targets = Array.from({ length: 40 }, (_, i) => `target${i}`);
  const rows = (table: string, columns: string[], values: unknown[][]): Promise<unknown> =>
    values.length
      ? client.query(
          `INSERT INTO accounts.${table} (${columns.join(', ')}) VALUES ${values
            .map((row, r) => `(${row.map((_, c) => `$${r * row.length + c + 1}`).join(', ')})`)
            .join(', ')}`,
          values.flat(),
        )
      : Promise.resolve();
  const pick = (relation: (i: number) => boolean): number[] =>
    targets.flatMap((_, i) => (relation(i) ? [i] : []));
  let targetIds: string[] = [];
  try {
    await client.query('BEGIN');
    // Ids come from the tables' defaults (ADR 0007); RETURNING hands the accounts' back.
    const { rows: accounts } = await client.query<{ id: string; username: string }>(
      `INSERT INTO accounts.accounts (username, uri, url)
       SELECT name, $2 || '/users/' || name, $2 || '/@' || name FROM unnest($1::text[]) AS name
       RETURNING id::text, username`,
      [targets, origin],
    );
    const idOf = new Map(accounts.map((row) => [row.username, row.id]));
    targetIds = targets.map((name) => {
      const id = idOf.get(name);
      if (!id) throw new Error(`${name} was not inserted`);
      return id;
    });
    const pair = (i: number, outgoing: boolean): string[] =>
      outgoing ? [viewerId, targetIds[i]] : [targetIds[i], viewerId];
    const edge = ['account_id', 'target_account_id'];
    await rows(
      'follows',
      edge,
      pick(plan.following).map((i) => pair(i, true)),
    );
    await rows(
      'follows',
      edge,
      pick(plan.followedBy).map((i) => pair(i, false)),
    );
    await rows(
      'blocks',
      edge,
      pick(plan.blocking).map((i) => pair(i, true)),
    );
    await rows(
      'blocks',
      edge,
      pick(plan.blockedBy).map((i) => pair(i, false)),
    );
    await rows(
      'mutes',
      [...edge, 'expires_at'],
      pick(plan.muting).map((i) => [
        ...pair(i, true),
        plan.expiredMute(i) ? new Date(Date.now() - 60_000) : null,
      ]),
    );
    await rows(
      'follow_requests',
      edge,
      pick(plan.requested).map((i) => pair(i, true)),
    );
    await rows(
      'account_notes',
      [...edge, 'comment'],
      pick(plan.noted).map((i) => [...pair(i, true), `note on target${i}`]),
    );
    await rows(
      'account_endorsements',
      edge,
      pick(plan.endorsed).map((i) => pair(i, true)),
    );
    await client.query('COMMIT');
    // Planner statistics, as a running instance would have them.
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  const count = (relation: (i: number) => boolean): number => pick(relation).length;
  return {
    targetIds,
    expected: {
      following: count(plan.following),
      followedBy: count(plan.followedBy),
      blocking: count(plan.blocking),
      blockedBy: count(plan.blockedBy),
      muting: count((i) => plan.muting(i) && !plan.expiredMute(i)),
      requested: count(plan.requested),
    },
  };
}
