import { rmSync } from 'node:fs';
import type { Infra } from '@mammut/platform';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __mammutInfra?: Infra }).__mammutInfra?.stop();
  rmSync(`.data/test/run-${process.pid}`, { recursive: true, force: true });
}
