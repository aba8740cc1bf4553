// `node scripts/render-k8s.mjs [--check]`: k8s/, the plain Kubernetes manifests for operators who
// apply them with kustomize rather than install the chart, rendered from the chart itself (so the two
// never disagree). Two renders (k8s/values/common.yaml with production.yaml, and with
// all-in-one.yaml): what both hold alike is the base, what only one holds is its overlay. Helm's own
// marks (the chart label, `managed-by: Helm`) are left out. `--check` writes nothing and exits 1 when
// a file differs from what is committed (the drift test runs it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureHelm } from './tools/helm.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const k8s = join(repo, 'k8s');
const OVERLAYS = ['production', 'all-in-one'];
/** The namespace the overlays put everything in. */
const NAMESPACE = 'mammut';
/** The oldest Kubernetes the chart supports (its preStop `sleep`); rendering needs one named. */
const KUBE_VERSION = '1.32.0';
const HEADER =
  '# Rendered from helm/mammut by scripts/render-k8s.mjs: edit the chart or k8s/values, not this file.\n';

function render(helm, overlay) {
  const result = spawnSync(
    helm,
    [
      'template',
      'mammut',
      join(repo, 'helm/mammut'),
      '--kube-version',
      KUBE_VERSION,
      '-f',
      join(k8s, 'values/common.yaml'),
      '-f',
      join(k8s, `values/${overlay}.yaml`),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`helm template (${overlay}) failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS())
    .filter(Boolean)
    .map(withoutHelmMarks);
}

/** The object without Helm's labels, wherever labels are (its own, a pod template's, selectors). */
function withoutHelmMarks(value) {
  if (Array.isArray(value)) return value.map(withoutHelmMarks);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .filter(([key]) => key !== 'helm.sh/chart')
    .map(([key, inner]) =>
      key === 'app.kubernetes.io/managed-by' ? [key, 'kustomize'] : [key, withoutHelmMarks(inner)],
    );
  return Object.fromEntries(entries);
}

const idOf = (object) => `${object.kind}/${object.metadata.name}`;
const yamlOf = (objects) => HEADER + objects.map((object) => `---\n${stringify(object)}`).join('');

function kustomization(resources, namespace) {
  return (
    HEADER +
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      ...(namespace ? { namespace } : {}),
      resources,
    })
  );
}

/** Every file of k8s/ the chart renders, by path. */
function files(helm) {
  const renders = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, render(helm, overlay)]));
  const key = (object) => `${idOf(object)}\n${JSON.stringify(object)}`;
  const inEvery = (object) =>
    OVERLAYS.every((overlay) => renders[overlay].some((other) => key(other) === key(object)));
  const base = renders[OVERLAYS[0]].filter(inEvery);
  const out = {
    'base/mammut.yaml': yamlOf(base),
    'base/kustomization.yaml': kustomization(['mammut.yaml']),
  };
  for (const overlay of OVERLAYS) {
    const own = renders[overlay].filter((object) => !inEvery(object));
    out[`overlays/${overlay}/${overlay}.yaml`] = yamlOf(own);
    out[`overlays/${overlay}/kustomization.yaml`] = kustomization(
      ['../../base', `${overlay}.yaml`],
      NAMESPACE,
    );
  }
  return out;
}

const check = process.argv.includes('--check');
const rendered = files(ensureHelm({ log: (line) => console.error(line) }));
const drifted = [];
for (const [path, text] of Object.entries(rendered)) {
  const file = join(k8s, path);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (current === text) continue;
  drifted.push(relative(repo, file));
  if (!check) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}
if (check && drifted.length) {
  console.error(
    `k8s/ is not what the chart renders: ${drifted.join(', ')} (run node scripts/render-k8s.mjs)`,
  );
  process.exit(1);
}
console.log(drifted.length ? `rendered ${drifted.join(', ')}` : 'k8s/ is up to date');
