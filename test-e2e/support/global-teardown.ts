import type { Infra } from '@mammut/platform';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __mammutInfra?: Infra }).__mammutInfra?.stop();
}
