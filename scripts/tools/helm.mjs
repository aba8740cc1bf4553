// Helm, which renders and lints the chart offline (no cluster here), built once with `go install`
// (see go-tool.mjs).
import { ensureGoTool, printWhenRun } from './go-tool.mjs';

export const HELM_VERSION = 'v3.22.0';

/** The path of a helm binary at {@link HELM_VERSION}, built when missing (~8 min on 2 cores). */
export function ensureHelm({ log } = {}) {
  return ensureGoTool({
    name: 'helm',
    label: 'Helm',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    version: HELM_VERSION,
    ...(log ? { log } : {}),
  });
}

printWhenRun(import.meta.url, ensureHelm);
