import { configKeys } from '@mammut/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  appServices,
  chartDir,
  ciFiles,
  ciValues,
  component,
  containersOf,
  DEFAULT_VALUES,
  type K8sObject,
  type LabelSelector,
  MAMMUT_IMAGE,
  mammutContainers,
  mammutDeployments,
  ofKind,
  podSpecs,
  renderChart,
  selects,
} from './support/chart';

interface IngressPath {
  readonly path: string;
  readonly pathType: string;
  readonly backend: { readonly service: { readonly name: string; readonly port: { readonly name: string } } };
}

interface Ingress extends K8sObject {
  readonly spec: {
    readonly rules: readonly {
      readonly host: string;
      readonly http: { readonly paths: readonly IngressPath[] };
    }[];
  };
}

interface HttpRoute extends K8sObject {
  readonly spec: {
    readonly hostnames: readonly string[];
    readonly rules: readonly {
      readonly matches: readonly { readonly path: { readonly type: string; readonly value: string } }[];
      readonly backendRefs: readonly { readonly name: string; readonly port: number }[];
      readonly timeouts?: { readonly request: string };
    }[];
  };
}

interface Service extends K8sObject {
  readonly spec: {
    readonly selector: Readonly<Record<string, string>>;
    readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort: string }[];
  };
}

interface Scaler extends K8sObject {
  readonly spec: {
    readonly scaleTargetRef: { readonly name: string; readonly kind?: string };
    readonly selector?: LabelSelector;
    readonly podSelector?: LabelSelector;
    readonly minReplicas?: number;
  };
}

describe('the Helm chart, rendered', () => {
  const renders = new Map<string, K8sObject[]>();
  const render = (name: string): K8sObject[] => {
    const objects = renders.get(name);
    if (!objects) throw new Error(`${name} was not rendered`);
    return objects;
  };

  beforeAll(() => {
    renders.set('values.yaml', renderChart(DEFAULT_VALUES));
    for (const file of ciFiles()) renders.set(`ci/${file}`, renderChart(ciValues(file)));
  }, 30 * 60_000);

  it("is versioned with Mammut: appVersion is package.json's version", () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
      apiVersion: string;
      appVersion: string;
    };
    const pkg = JSON.parse(readFileSync(join(chartDir, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect([chart.apiVersion, chart.appVersion]).toEqual(['v2', pkg.version]);
  });

  it('has the ci/ values files the issue names', () => {
    expect(ciFiles()).toEqual([
      'all-in-one.yaml',
      'bundled.yaml',
      'external.yaml',
      'ha.yaml',
      'httproute.yaml',
      'otel.yaml',
    ]);
  });

  it('runs one Deployment per service of apps/, each its own entry point, and one in allInOne mode', () => {
    const services = appServices();
    expect(services).toEqual(expect.arrayContaining(['gateway', 'accounts', 'statuses']));
    for (const [name, objects] of renders) {
      const deployments = mammutDeployments(objects);
      const expected = name === 'ci/all-in-one.yaml' ? ['all-in-one'] : services;
      expect([name, deployments.map((deployment) => component(deployment)).sort()]).toEqual([name, expected]);
      for (const deployment of deployments) {
        const [container] = deployment.spec.template.spec.containers;
        expect(container.command).toEqual(['node', `dist/apps/${component(deployment)}/src/main.js`]);
      }
    }
  });

  it('probes every Mammut container on a port it declares: the gateway on http, the others on HEALTH_PORT', () => {
    for (const [name, objects] of renders) {
      for (const deployment of mammutDeployments(objects)) {
        const [container] = deployment.spec.template.spec.containers;
        const where = `${name} ${deployment.metadata.name}`;
        const ports = new Map((container.ports ?? []).map((port) => [port.name, port.containerPort]));
        const env = new Map((container.env ?? []).map((variable) => [variable.name, variable.value]));
        const serving = ['gateway', 'all-in-one'].includes(component(deployment) ?? '');
        const probePort = serving ? 'http' : 'health';
        expect([where, container.startupProbe?.httpGet]).toEqual([
          where,
          { path: '/health', port: probePort },
        ]);
        expect([where, container.livenessProbe?.httpGet]).toEqual([
          where,
          { path: '/health', port: probePort },
        ]);
        expect([where, container.readinessProbe?.httpGet]).toEqual([
          where,
          { path: '/health/ready', port: probePort },
        ]);
        expect([where, ports.has(probePort)]).toEqual([where, true]);
        expect([where, env.get('HEALTH_PORT')]).toEqual([where, String(ports.get('health'))]);
        if (serving) {
          expect([where, env.get('PORT')]).toEqual([where, String(ports.get('http'))]);
          expect([where, container.lifecycle?.preStop?.sleep?.seconds]).toEqual([where, 10]);
        }
        if (name !== 'ci/all-in-one.yaml')
          expect([where, env.get('BUS_IN_PROCESS')]).toEqual([where, 'false']);
      }
    }
  });

  it('runs every pod non-root under RuntimeDefault seccomp, without privileges or a service account token', () => {
    for (const [name, objects] of renders) {
      for (const { owner, spec } of podSpecs(objects)) {
        const where = `${name} ${owner}`;
        expect([where, spec.securityContext?.runAsNonRoot]).toEqual([where, true]);
        expect([where, spec.securityContext?.seccompProfile?.type]).toEqual([where, 'RuntimeDefault']);
        expect([where, spec.automountServiceAccountToken]).toEqual([where, false]);
        for (const container of containersOf(spec)) {
          expect([where, container.name, container.securityContext?.allowPrivilegeEscalation]).toEqual([
            where,
            container.name,
            false,
          ]);
          expect([where, container.name, container.securityContext?.capabilities?.drop]).toEqual([
            where,
            container.name,
            ['ALL'],
          ]);
        }
        if (!containersOf(spec).some((container) => container.image.startsWith(MAMMUT_IMAGE))) continue;
        // Mammut's own pods: the image's uid/gid, nothing written but /tmp (an emptyDir) and volumes.
        expect([where, spec.securityContext?.runAsUser, spec.securityContext?.runAsGroup]).toEqual([
          where,
          10001,
          10001,
        ]);
        expect([where, spec.volumes?.find((volume) => volume.name === 'tmp')?.emptyDir]).toEqual([
          where,
          expect.any(Object),
        ]);
        for (const container of containersOf(spec)) {
          expect([where, container.name, container.securityContext?.readOnlyRootFilesystem]).toEqual([
            where,
            container.name,
            true,
          ]);
          expect([
            where,
            container.name,
            container.volumeMounts?.find((mount) => mount.mountPath === '/tmp')?.name,
          ]).toEqual([where, container.name, 'tmp']);
        }
      }
    }
  });

  it('pins every image to a tag or a digest, never latest', () => {
    for (const [name, objects] of renders) {
      for (const { owner, spec } of podSpecs(objects)) {
        for (const container of containersOf(spec)) {
          const pinned = /^[^:@\s]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/.test(container.image);
          expect([name, owner, container.image, pinned]).toEqual([name, owner, container.image, true]);
          expect([name, owner, container.image.endsWith(':latest')]).toEqual([name, owner, false]);
        }
      }
    }
  });

  it('expands the schema in a pre-install/pre-upgrade hook reading only existing Secrets and the hook copy of its own', () => {
    for (const name of ['ci/external.yaml', 'ci/ha.yaml']) {
      const objects = render(name);
      const [migrate] = ofKind(objects, 'Job').filter((job) => component(job) === 'db-migrate');
      expect(migrate.metadata.annotations).toEqual({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-weight': '-5',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      const job = migrate.spec as { backoffLimit: number; activeDeadlineSeconds: number };
      expect([job.backoffLimit, job.activeDeadlineSeconds]).toEqual([3, 1800]);
      const [container] = podSpecs([migrate])[0].spec.containers;
      expect([container.command, container.args]).toEqual([
        ['node', 'dist/apps/cli/src/main.js'],
        ['db', 'migrate'],
      ]);
      // Only the expanding migrations: the release being replaced still runs on this schema.
      expect(container.env).toContainEqual({ name: 'SKIP_POST_DEPLOYMENT_MIGRATIONS', value: 'true' });
      // The contracting ones once the new release is out, from the release's own Secret.
      const [contract] = ofKind(objects, 'Job').filter((job) => component(job) === 'db-migrate-post');
      expect(contract.metadata.annotations?.['helm.sh/hook']).toBe('post-install,post-upgrade');
      const [after] = podSpecs([contract])[0].spec.containers;
      expect(after.args).toEqual(['db', 'migrate']);
      expect((after.env ?? []).map((variable) => variable.name)).not.toContain(
        'SKIP_POST_DEPLOYMENT_MIGRATIONS',
      );
      // What a pre-install hook may read: Secrets made before the release, and hooks made before it.
      const hookSecrets = ofKind(objects, 'Secret').filter(
        (secret) => secret.metadata.annotations?.['helm.sh/hook'],
      );
      for (const secret of hookSecrets) {
        expect(secret.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(Number(secret.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(-5);
      }
      const released = new Set(
        ofKind(objects, 'Secret')
          .filter((secret) => !secret.metadata.annotations?.['helm.sh/hook'])
          .map((secret) => secret.metadata.name),
      );
      for (const variable of container.env ?? []) {
        const secret = variable.valueFrom?.secretKeyRef?.name;
        if (secret) expect([name, variable.name, released.has(secret)]).toEqual([name, variable.name, false]);
      }
    }
    expect(ofKind(render('ci/external.yaml'), 'Secret')).toEqual([]);
    const [kept] = ofKind(render('ci/ha.yaml'), 'Secret').filter(
      (secret) => !secret.metadata.annotations?.['helm.sh/hook'],
    );
    expect(kept.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  it('migrates bundled PostgreSQL in a plain Job, and every Deployment waits for the schema', () => {
    const objects = render('ci/bundled.yaml');
    const [migrate] = ofKind(objects, 'Job').filter((job) => component(job) === 'db-migrate');
    expect(migrate.metadata.annotations).toBeUndefined();
    expect(migrate.metadata.name).toBe('mammut-db-migrate-r1');
    // One Job does it all: there is no release to keep running on a server that did not exist.
    expect(ofKind(objects, 'Job').filter((job) => component(job) === 'db-migrate-post')).toEqual([]);
    expect(
      (podSpecs([migrate])[0].spec.containers[0].env ?? []).map((variable) => variable.name),
    ).not.toContain('SKIP_POST_DEPLOYMENT_MIGRATIONS');
    for (const deployment of mammutDeployments(objects)) {
      const waits = (deployment.spec.template.spec.initContainers ?? []).map((container) => container.args);
      expect([deployment.metadata.name, waits]).toEqual([
        deployment.metadata.name,
        [['db', 'status', '--wait']],
      ]);
    }
    const [admin] = ofKind(objects, 'Job').filter((job) => component(job) === 'create-admin');
    expect(admin.metadata.annotations?.['helm.sh/hook']).toBe('post-install');
    expect(podSpecs([admin])[0].spec.containers[0].args).toEqual([
      'accounts',
      'create',
      'owner',
      '--email',
      'owner@trial.example.com',
      '--role',
      'admin',
      '--confirmed',
    ]);
    const [test] = ofKind(objects, 'Pod');
    expect(test.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const script = podSpecs([test])[0].spec.containers[0].command ?? [];
    expect(script.slice(0, 2)).toEqual(['node', '-e']);
    for (const path of ['/health/ready', '/api/v2/instance', '/.well-known/nodeinfo'])
      expect([path, script[2].includes(`'${path}'`)]).toEqual([path, true]);
    expect(script[2]).toContain('"http://mammut-gateway:80"');
  });

  it('routes the public paths to the gateway, streaming with long timeouts, as Ingress or HTTPRoute', () => {
    const paths = (objects: readonly K8sObject[]) =>
      ofKind<Ingress>(objects, 'Ingress').flatMap((ingress) =>
        ingress.spec.rules.flatMap((rule) =>
          rule.http.paths.map((path) => ({
            ingress: component(ingress),
            host: rule.host,
            path: path.path,
            pathType: path.pathType,
            service: path.backend.service.name,
            port: path.backend.service.port.name,
          })),
        ),
      );
    const toGateway = (ingress: string, path: string, pathType = 'Prefix') => ({
      ingress,
      host: 'social.example.com',
      path,
      pathType,
      service: 'mammut-gateway',
      port: 'http',
    });
    expect(paths(render('values.yaml'))).toEqual([
      toGateway('routes', '/inbox'),
      toGateway('routes', '/users'),
      toGateway('routes', '/.well-known'),
      toGateway('routes', '/nodeinfo'),
      toGateway('routes', '/'),
      toGateway('streaming-routes', '/api/v1/streaming'),
    ]);
    const [streaming] = ofKind(render('values.yaml'), 'Ingress').filter(
      (i) => component(i) === 'streaming-routes',
    );
    expect(streaming.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('3600');
    // Where the class takes regular expressions, a `*` is one path segment.
    expect(paths(render('ci/ha.yaml'))).toContainEqual(
      toGateway('routes', '/users/[^/]+/inbox(/.*)?$', 'ImplementationSpecific'),
    );
    const [gatewayService] = ofKind<Service>(render('values.yaml'), 'Service').filter(
      (service) => service.metadata.name === 'mammut-gateway',
    );
    expect(gatewayService.spec.ports.map((port) => [port.name, port.port])).toEqual([
      ['http', 80],
      ['health', 9000],
    ]);

    const [route] = ofKind<HttpRoute>(render('ci/httproute.yaml'), 'HTTPRoute');
    expect(ofKind(render('ci/httproute.yaml'), 'Ingress')).toEqual([]);
    expect(route.spec.hostnames).toEqual(['social.example.com']);
    expect(
      route.spec.rules.map((rule) => [
        rule.matches[0].path.type,
        rule.matches[0].path.value,
        rule.timeouts?.request,
      ]),
    ).toEqual([
      ['PathPrefix', '/api/v1/streaming', '0s'],
      ['PathPrefix', '/inbox', undefined],
      ['RegularExpression', '/users/[^/]+/inbox(/.*)?$', undefined],
      ['PathPrefix', '/.well-known', undefined],
      ['PathPrefix', '/nodeinfo', undefined],
      ['PathPrefix', '/', undefined],
    ]);
    for (const rule of route.spec.rules)
      expect(rule.backendRefs).toEqual([{ name: 'mammut-gateway', port: 80 }]);
    // All in one process: every route goes to it.
    expect(new Set(paths(render('ci/all-in-one.yaml')).map((path) => path.service))).toEqual(
      new Set(['mammut-all-in-one']),
    );
  });

  it("points each HPA, PDB, NetworkPolicy, Service and ScaledObject at its own Deployment's pods", () => {
    const objects = render('ci/ha.yaml');
    const deployments = mammutDeployments(objects);
    const byName = new Map(deployments.map((deployment) => [deployment.metadata.name, deployment]));
    const hpas = ofKind<Scaler>(objects, 'HorizontalPodAutoscaler');
    const pdbs = ofKind<Scaler>(objects, 'PodDisruptionBudget');
    const policies = ofKind<Scaler>(objects, 'NetworkPolicy');
    const services = ofKind<Service>(objects, 'Service');
    for (const deployment of deployments) {
      const name = deployment.metadata.name;
      const pods = deployment.spec.template.metadata.labels;
      expect([name, selects(deployment.spec.selector, pods)]).toEqual([name, true]);
      // The HPA owns the replica count.
      expect([name, deployment.spec.replicas]).toEqual([name, undefined]);
      const scaling = hpas.filter((hpa) => hpa.spec.scaleTargetRef.name === name);
      expect([name, scaling.map((hpa) => hpa.spec.scaleTargetRef.kind)]).toEqual([name, ['Deployment']]);
      const budgets = pdbs.filter((pdb) => selects(pdb.spec.selector, pods));
      expect([name, budgets.map((pdb) => pdb.metadata.name)]).toEqual([name, [name]]);
      const policed = policies.filter((policy) => selects(policy.spec.podSelector, pods));
      expect([name, policed.map((policy) => policy.metadata.name)]).toEqual([name, [name]]);
      const fronted = services.filter((service) => selects({ matchLabels: service.spec.selector }, pods));
      expect([name, fronted.map((service) => service.metadata.name)]).toEqual([name, [name]]);
    }
    // Each selects only its own pods: a Deployment's, or a Job's or the test Pod's (policies).
    const pods = podSpecs(objects).flatMap(({ owner }) => {
      const object = objects.find((o) => `${o.kind}/${o.metadata.name}` === owner);
      if (!object || !['Deployment', 'Job', 'Pod'].includes(object.kind)) return [];
      const labels =
        object.kind === 'Pod'
          ? (object.metadata.labels ?? {})
          : (object.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
              .labels;
      return [{ name: object.metadata.name, labels }];
    });
    for (const scaler of [...pdbs, ...policies]) {
      const selector = scaler.spec.selector ?? scaler.spec.podSelector;
      const owners = pods.filter((pod) => selects(selector, pod.labels)).map((pod) => pod.name);
      expect([scaler.kind, scaler.metadata.name, owners.length]).toEqual([
        scaler.kind,
        scaler.metadata.name,
        1,
      ]);
      if (scaler.kind === 'PodDisruptionBudget') expect(owners).toEqual([scaler.metadata.name]);
    }
    // The Jobs and the test Pod are held to DNS and the servers (the gateway for the test).
    const jobPolicies = policies.filter((policy) => !byName.has(policy.metadata.name));
    expect(jobPolicies.map((policy) => policy.metadata.name).sort()).toEqual(
      ['mammut-db-migrate', 'mammut-db-migrate-post', 'mammut-test'].sort(),
    );
    expect(hpas.map((hpa) => hpa.spec.scaleTargetRef.name).sort()).toEqual([...byName.keys()].sort());

    // KEDA scales federation and timelines instead of an HPA.
    const bundled = render('ci/bundled.yaml');
    const scaled = ofKind<Scaler>(bundled, 'ScaledObject').map((object) => object.spec.scaleTargetRef.name);
    expect(scaled.sort()).toEqual(['mammut-federation', 'mammut-timelines']);
    expect(ofKind(bundled, 'HorizontalPodAutoscaler')).toEqual([]);
    for (const name of scaled) {
      const [deployment] = mammutDeployments(bundled).filter((d) => d.metadata.name === name);
      expect([name, deployment.spec.replicas]).toEqual([name, undefined]);
    }
  });

  it('sets no environment variable the config schema does not know', () => {
    const known = new Set(configKeys);
    for (const [name, objects] of renders) {
      for (const { owner, container } of mammutContainers(objects)) {
        const env = container.env ?? [];
        env.forEach((variable, index) => {
          const where = [name, owner, container.name, variable.name];
          if (known.has(variable.name)) return;
          // The one exception: a pod attribute from the downward API, spelled into a later variable.
          const laterUse = env.slice(index + 1).some((other) => other.value?.includes(`$(${variable.name})`));
          expect([...where, variable.valueFrom?.fieldRef !== undefined, laterUse]).toEqual([
            ...where,
            true,
            true,
          ]);
        });
        for (const variable of env) {
          for (const [, referenced] of (variable.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)) {
            const defined = env.slice(0, env.indexOf(variable)).some((other) => other.name === referenced);
            expect([name, owner, variable.name, referenced, defined]).toEqual([
              name,
              owner,
              variable.name,
              referenced,
              true,
            ]);
          }
        }
      }
    }
  });
});
