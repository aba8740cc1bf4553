import { type Infra, removeInfraData } from '@mammut/platform';
import { stopOpenSearch } from './opensearch';
import { stopMinio } from './minio';

/** Stops the run's servers and removes their data, wherever PostgreSQL's lives (see ensureInfra). */
export default async function globalTeardown(): Promise<void> {
  await stopOpenSearch();
  await (globalThis as { __mammutInfra?: Infra }).__mammutInfra?.stop();
  stopMinio();
  removeInfraData('.data/test');
}
