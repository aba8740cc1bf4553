/** One page of a listing asked of another service, after a cursor (null for the first page). */
export type PageFetch<T> = (after: string | null) => Promise<T[]>;

/**
 * Walks a listing that another service answers page by page, cursor after cursor, handing each
 * non-empty page to `apply` before asking for the next. A page shorter than `limit` is the last,
 * so a listing never costs a request more than it needs.
 */
export async function eachPage<T>(
  page: { limit: number; fetch: PageFetch<T>; cursorOf: (item: T) => string },
  apply: (items: T[]) => Promise<void>,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const items = await page.fetch(after);
    if (items.length) await apply(items);
    if (items.length < page.limit) return;
    after = page.cursorOf(items[items.length - 1]);
  }
}
