import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The shapes of the rendered objects these tests read (a small part of Kubernetes' own). */
export interface Metadata {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}

export interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly startupProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly lifecycle?: { readonly preStop?: { readonly sleep?: { readonly seconds: number } } };
  readonly securityContext?: {
    readonly allowPrivilegeEscalation?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly runAsNonRoot?: boolean;
    readonly capabilities?: { readonly drop?: readonly string[] };
  };
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly automountServiceAccountToken?: boolean;
  readonly securityContext?: {
    readonly runAsNonRoot?: boolean;
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly seccompProfile?: { readonly type: string };
  };
  readonly volumes?: readonly { readonly name: string; readonly emptyDir?: object }[];
}

export interface PodTemplate {
  readonly metadata: { readonly labels: Readonly<Record<string, string>> };
  readonly spec: PodSpec;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/** One rendered object; `spec` is read through the narrowing helpers below. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Metadata;
  readonly spec?: unknown;
}

export interface Workload extends K8sObject {
  readonly spec: {
    readonly replicas?: number;
    readonly selector: LabelSelector;
    readonly template: PodTemplate;
  };
}

const root = resolve(__dirname, '..', '..');
export const chartDir = join(root, 'helm', 'mammut');
/** The image every Mammut container runs (values.yaml's image.repository). */
export const MAMMUT_IMAGE = 'ghcr.io/mammut-social/mammut';
/** The Kubernetes version the chart is rendered for (its kubeVersion needs 1.30+; helm's default is 1.20). */
const KUBE_VERSION = '1.32.0';

let helm: string | undefined;

/**
 * The helm binary, from scripts/tools/helm.mjs, which builds it when missing (minutes; `npm test`
 * builds it before jest starts, so a test only waits when that failed).
 */
export function helmBinary(): string {
  helm ??= execFileSync(process.execPath, [join(root, 'scripts/tools/helm.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30 * 60_000,
  }).trim();
  return helm;
}

/** The services of apps/: every app but the CLI and the all-in-one runner. */
export function appServices(): string[] {
  return readdirSync(join(root, 'apps'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !['cli', 'all-in-one'].includes(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/** The ci/ values files, by name. */
export function ciFiles(): string[] {
  return readdirSync(join(chartDir, 'ci'))
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

/** values.yaml needs a localDomain (required); the renders of the defaults set this one. */
export const DEFAULT_VALUES = ['--set', 'localDomain=social.example.com'];

export const ciValues = (name: string): string[] => ['--values', join(chartDir, 'ci', name)];

/** `helm template` of the chart with these arguments, parsed into its objects. */
export function renderChart(args: readonly string[]): K8sObject[] {
  const rendered = execFileSync(
    helmBinary(),
    ['template', 'mammut', chartDir, '--namespace', 'mammut', '--kube-version', KUBE_VERSION, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const objects: K8sObject[] = [];
  for (const document of parseAllDocuments(rendered)) {
    if (document.errors.length) throw new Error(`unparsable render: ${String(document.errors[0])}`);
    const object = document.toJSON() as K8sObject | null;
    if (object) objects.push(object);
  }
  return objects;
}

/** What helm says when it refuses `helm <command>` of the chart with these arguments; throws when it accepts. */
export function helmRefusal(command: 'template' | 'lint', args: readonly string[]): string {
  const extra = command === 'lint' ? ['--strict'] : [];
  const result = spawnSync(
    helmBinary(),
    [
      command,
      ...(command === 'template' ? ['mammut'] : []),
      chartDir,
      ...extra,
      '--kube-version',
      KUBE_VERSION,
      ...args,
    ],
    { encoding: 'utf8' },
  );
  if (result.status === 0) throw new Error(`helm ${command} ${args.join(' ')} was accepted`);
  return `${result.stderr}${result.stdout}`;
}

/** Whether `helm lint --strict` accepts the chart with these arguments, and what it said. */
export function helmLint(args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync(
    helmBinary(),
    ['lint', '--strict', chartDir, '--kube-version', KUBE_VERSION, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { ok: result.status === 0, output: `${result.stderr}${result.stdout}` };
}

export const ofKind = <T extends K8sObject = K8sObject>(objects: readonly K8sObject[], kind: string): T[] =>
  objects.filter((object) => object.kind === kind) as T[];

export const component = (object: K8sObject): string | undefined =>
  object.metadata.labels?.['app.kubernetes.io/component'];

const isMammut = (container: Container): boolean => container.image.startsWith(`${MAMMUT_IMAGE}:`);

/** The Deployments running Mammut (not the OpenTelemetry Collector's). */
export const mammutDeployments = (objects: readonly K8sObject[]): Workload[] =>
  ofKind<Workload>(objects, 'Deployment').filter((deployment) =>
    deployment.spec.template.spec.containers.every(isMammut),
  );

/** Every pod spec of a render: Deployments, StatefulSets, Jobs and the test Pod. */
export function podSpecs(objects: readonly K8sObject[]): { owner: string; spec: PodSpec }[] {
  return objects.flatMap((object) => {
    const owner = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Pod') return [{ owner, spec: object.spec as PodSpec }];
    if (['Deployment', 'StatefulSet', 'Job'].includes(object.kind))
      return [{ owner, spec: (object.spec as { template: PodTemplate }).template.spec }];
    return [];
  });
}

/** Every container (init containers too) of a pod spec. */
export const containersOf = (spec: PodSpec): Container[] => [
  ...(spec.initContainers ?? []),
  ...spec.containers,
];

/** Every Mammut container of a render, with the object it belongs to. */
export function mammutContainers(objects: readonly K8sObject[]): { owner: string; container: Container }[] {
  return podSpecs(objects).flatMap(({ owner, spec }) =>
    containersOf(spec)
      .filter(isMammut)
      .map((container) => ({ owner, container })),
  );
}

/** Whether a selector's labels are all on the pods. */
export const selects = (
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
  Object.keys(selector?.matchLabels ?? {}).length > 0;
