import { createRestAPIClient } from 'masto';
import { settled, type TestSystem } from './system';

/** The ids in a user's home feed (the 40 newest), read once event consumers have settled. */
export async function homeIds(t: TestSystem, token: string): Promise<string[]> {
  await settled(t);
  const home = await createRestAPIClient({ url: t.url, accessToken: token }).v1.timelines.home.list({
    limit: 40,
  });
  return home.map((s) => s.id);
}
