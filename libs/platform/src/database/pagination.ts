import type { PageRequest } from '@mammut/contracts';

/**
 * Mastodon's cursor rules over a row id column: `max_id` is an upper bound, `since_id` a lower
 * bound taking the newest rows, `min_id` a lower bound taking the rows right after it (so it
 * reads ascending and the caller reverses). Parameters are appended after `base`.
 */
export function pageSql(
  column: string,
  page: PageRequest,
  base: unknown[],
): { where: string; order: string; limit: string; params: unknown[]; ascending: boolean } {
  const params = [...base];
  const clauses: string[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (page.maxId) clauses.push(`${column} < ${bind(page.maxId)}`);
  if (page.sinceId) clauses.push(`${column} > ${bind(page.sinceId)}`);
  if (page.minId) clauses.push(`${column} > ${bind(page.minId)}`);
  const ascending = page.minId !== undefined;
  return {
    where: clauses.length ? ` AND ${clauses.join(' AND ')}` : '',
    order: `${column} ${ascending ? 'ASC' : 'DESC'}`,
    limit: bind(page.limit),
    params,
    ascending,
  };
}
