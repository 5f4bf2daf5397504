import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { SERVICES } from '@ai-ninja/contracts';
import { skipUnlessInstalled } from '../test/http-client.js';
import { kubernetesEnvironment } from '../nginx/gateway-environments.js';
import { renderGatewayFiles } from '../nginx/nginx-render.js';
import { callersOf } from './call-graph.js';
import { CONFIG_MAP, EXTERNAL_SECRETS, GATEWAY_CONFIG_MAP } from './k8s-manifests.js';

const KUBECTL = '/usr/bin/kubectl';
const kubectl = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' }).status === 0;
const OVERLAYS = ['dev', 'production'] as const;
const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are checked field by field below */
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

/** `kubectl kustomize` of an overlay, offline: the objects a cluster would receive. */
function render(overlay: string): K8sObject[] {
  const result = spawnSync(KUBECTL, ['kustomize', new URL(`./overlays/${overlay}`, import.meta.url).pathname], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr);
  const objects = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as K8sObject);
  // kubectl folds long base64 values over lines; the API server's decoder ignores those newlines, so does the check.
  for (const secret of objects.filter((o) => o.kind === 'Secret')) {
    for (const key of Object.keys(secret.data ?? {})) secret.data![key] = secret.data![key]!.replace(/\s/g, '');
  }
  return objects;
}

/** An object by kind and name; generated ConfigMaps and Secrets carry a content hash after the name. */
const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && (o.metadata.name === name || (['ConfigMap', 'Secret'].includes(kind) && new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name))));
const podSpecOf = (deployment: K8sObject) => deployment.spec.template.spec;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
/** A probe's or Service's port (name or number) resolved against a pod's container ports. */
const portOf = (pod: any, port: string | number): number | undefined =>
  pod.containers.flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === port || p.containerPort === port)?.containerPort;

describe('the kubernetes manifests (kubectl kustomize, offline)', { skip: skipUnlessInstalled('kubectl', kubectl, 'https://kubernetes.io/docs/tasks/tools/') }, () => {
  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      const objects = kubectl ? render(overlay) : [];
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      const config = find(objects, 'ConfigMap', CONFIG_MAP)!;

      it('renders, and every object validates against the Kubernetes schema of its kind', () => {
        assert.ok(objects.length > 0);
        for (const object of objects) {
          const group = object.apiVersion.includes('/') ? object.apiVersion : `v1`;
          const Model = require(`kubernetes-models/${group}/${object.kind}`)[object.kind];
          assert.doesNotThrow(() => new Model(object).validate(), `${object.kind}/${object.metadata.name}`);
        }
      });

      it('has for every service of the catalog a Deployment, Service, HPA, PodDisruptionBudget and NetworkPolicy on its port', () => {
        for (const service of SERVICES) {
          for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) {
            assert.ok(find(objects, kind, service.name), `${kind}/${service.name}`);
          }
          const pod = podSpecOf(find(objects, 'Deployment', service.name)!);
          assert.equal(portOf(pod, 'http'), service.port, service.name);
          assert.equal(pod.containers[0].env.find((e: any) => e.name === 'PORT').value, String(service.port));
          const svc = find(objects, 'Service', service.name)!;
          assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [service.port]);
          assert.equal(svc.spec.clusterIP, 'None', 'headless: DNS lists every pod, for per-pod balancing');
        }
      });

      it('probes /health/live (startup, liveness) and /health/ready (readiness) on a port the container has', () => {
        for (const service of SERVICES) {
          const pod = podSpecOf(find(objects, 'Deployment', service.name)!);
          const [container] = pod.containers;
          assert.equal(container.startupProbe.httpGet.path, '/health/live');
          assert.equal(container.livenessProbe.httpGet.path, '/health/live');
          assert.equal(container.readinessProbe.httpGet.path, '/health/ready');
          for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
            assert.equal(portOf(pod, probe.httpGet.port), service.port, `${service.name} probe port`);
          }
        }
        const gateway = podSpecOf(find(objects, 'Deployment', 'gateway')!);
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          assert.equal(gateway.containers[0][probe].httpGet.path, '/gateway/health');
          assert.ok(portOf(gateway, gateway.containers[0][probe].httpGet.port));
        }
      });

      it('selects with every Service exactly one Deployment’s pods, and targets ports those pods have', () => {
        for (const service of objects.filter((o) => o.kind === 'Service')) {
          const selected = deployments.filter((d) => matches(service.spec.selector, d.spec.template.metadata.labels));
          assert.equal(selected.length, 1, `Service/${service.metadata.name} selects one Deployment`);
          assert.ok(matches(selected[0]!.spec.selector.matchLabels, selected[0]!.spec.template.metadata.labels), 'the Deployment selects its own pods');
          for (const port of service.spec.ports) {
            assert.ok(portOf(podSpecOf(selected[0]!), port.targetPort), `Service/${service.metadata.name} targetPort ${port.targetPort}`);
          }
        }
        for (const budget of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
          assert.equal(deployments.filter((d) => matches(budget.spec.selector.matchLabels, d.spec.template.metadata.labels)).length, 1, budget.metadata.name);
        }
      });

      it('scales each service in the catalog’s range on CPU, and every HPA target exists with CPU requests', () => {
        for (const service of SERVICES) {
          const hpa = find(objects, 'HorizontalPodAutoscaler', service.name)!;
          assert.equal(hpa.apiVersion, 'autoscaling/v2');
          const { minReplicas, maxReplicas, targetCpuPercent } = service.autoscaling;
          assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [minReplicas, maxReplicas], service.name);
          assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCpuPercent } } }]);
        }
        for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
          const target = find(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
          assert.ok(target, `HPA ${hpa.metadata.name} target exists`);
          assert.equal(target.spec.replicas, undefined, 'the HPA, not the manifest, sets replicas');
          for (const container of podSpecOf(target).containers) assert.ok(container.resources?.requests?.cpu, `${hpa.metadata.name}: CPU request`);
        }
        for (const deployment of deployments) {
          for (const container of podSpecOf(deployment).containers) {
            for (const key of ['requests', 'limits']) assert.ok(container.resources[key].cpu && container.resources[key].memory, `${deployment.metadata.name} ${key}`);
          }
        }
      });

      it('drains before stopping: preStop outlasts readiness, the grace period outlasts preStop plus the shutdown timeout', () => {
        const shutdownSeconds = Number(config.data!.SHUTDOWN_TIMEOUT_MS) / 1000;
        for (const service of SERVICES) {
          const pod = podSpecOf(find(objects, 'Deployment', service.name)!);
          const [container] = pod.containers;
          const preStop = container.lifecycle.preStop.sleep.seconds;
          const readiness = container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold;
          assert.ok(preStop > readiness, `${service.name}: preStop ${preStop}s > readiness ${readiness}s`);
          assert.ok(preStop < pod.terminationGracePeriodSeconds, `${service.name}: preStop < grace`);
          assert.ok(pod.terminationGracePeriodSeconds > preStop + shutdownSeconds, `${service.name}: grace > preStop + SHUTDOWN_TIMEOUT_MS`);
        }
        const gateway = podSpecOf(find(objects, 'Deployment', 'gateway')!);
        const script = gateway.containers[0].lifecycle.preStop.exec.command.join(' ');
        const pause = Number(/sleep (\d+);/.exec(script)![1]);
        const nginxConf = find(objects, 'ConfigMap', GATEWAY_CONFIG_MAP)!.data!['nginx.conf']!;
        const drain = Number(/worker_shutdown_timeout (\d+)s;/.exec(nginxConf)![1]);
        assert.match(script, /-s quit/, 'nginx stops gracefully');
        assert.ok(pause + drain < gateway.terminationGracePeriodSeconds, 'gateway: pause + graceful stop < grace');
      });

      it('runs every container as non-root on a read-only root filesystem, with emptyDirs for /tmp and DATA_DIR', () => {
        for (const deployment of deployments) {
          const pod = podSpecOf(deployment);
          const volumes = new Map(pod.volumes.map((v: any) => [v.name, v]));
          for (const container of pod.containers) {
            assert.equal(container.securityContext.runAsNonRoot ?? pod.securityContext.runAsNonRoot, true, deployment.metadata.name);
            assert.ok(container.securityContext.runAsUser > 0);
            assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            const mounts = new Map(container.volumeMounts.map((m: any) => [m.mountPath, m.name]));
            const writable = deployment.metadata.name === 'gateway' ? ['/tmp'] : ['/tmp', config.data!.DATA_DIR!];
            for (const path of writable) assert.ok((volumes.get(mounts.get(path)) as any)?.emptyDir, `${deployment.metadata.name}: ${path} is an emptyDir`);
          }
        }
      });

      it('gives every service the discovery variables of the catalog, each naming an existing Service and port', () => {
        for (const service of SERVICES) {
          assert.equal(config.data![service.discoveryEnv], `http://${service.name}:${service.port}`);
          assert.equal(find(objects, 'Service', service.name)!.spec.ports[0].port, service.port);
        }
        for (const deployment of deployments.filter((d) => d.metadata.name !== 'gateway')) {
          assert.deepEqual(podSpecOf(deployment).containers[0].envFrom, [{ configMapRef: { name: config.metadata.name } }]);
        }
      });

      it('refers only to ConfigMaps and Secrets that exist, or Secrets documented as provided by the cluster', () => {
        const refs = [...JSON.stringify(deployments).matchAll(/"(configMapRef|configMap|secretKeyRef|secret)":\{[^}]*?"(?:name|secretName)":"([^"]+)"/g)];
        assert.ok(refs.length >= SERVICES.length * 3, 'each service refers to its config and secrets');
        for (const [, kind, name] of refs) {
          const isSecret = kind!.startsWith('secret');
          const exists = objects.some((o) => o.kind === (isSecret ? 'Secret' : 'ConfigMap') && o.metadata.name === name);
          assert.ok(exists || (isSecret && name! in EXTERNAL_SECRETS), `${kind} ${name}`);
        }
        for (const secret of objects.filter((o) => o.kind === 'Secret')) {
          for (const value of Object.values(secret.data ?? {})) assert.match(Buffer.from(value, 'base64').toString(), /placeholder/, 'placeholders only');
        }
      });

      it('lets only the gateway and the services that call it reach each service (NetworkPolicies)', () => {
        assert.deepEqual(find(objects, 'NetworkPolicy', 'default-deny-ingress')!.spec, { podSelector: {}, policyTypes: ['Ingress'] });
        const appNames = new Set(deployments.map((d) => d.spec.template.metadata.labels['app.kubernetes.io/name']));
        for (const service of SERVICES) {
          const policy = find(objects, 'NetworkPolicy', service.name)!;
          assert.ok(matches(policy.spec.podSelector.matchLabels, find(objects, 'Deployment', service.name)!.spec.template.metadata.labels));
          const [rule] = policy.spec.ingress;
          const sources = rule.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']);
          const expected = [...(service.gatewayRoutes.length ? ['gateway'] : []), ...callersOf(service.name)];
          assert.deepEqual([...sources].sort(), [...expected].sort(), service.name);
          for (const source of sources) assert.ok(appNames.has(source), `${source} exists`);
          assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: service.port }]);
        }
      });

      it('configures the gateway with the template rendered for kubernetes, listening where its container ports are', () => {
        const data = find(objects, 'ConfigMap', GATEWAY_CONFIG_MAP)!.data!;
        const rendered = renderGatewayFiles(kubernetesEnvironment());
        assert.equal(data['nginx.conf'], rendered.get('nginx.conf'));
        assert.equal(data['tls.conf'], rendered.get('tls.d/tls.conf'));
        assert.equal(data['resolver.conf'], rendered.get('conf.d/resolver.conf'));
        const pod = podSpecOf(find(objects, 'Deployment', 'gateway')!);
        const listens = [...`${data['nginx.conf']}${data['tls.conf']}`.matchAll(/listen (\d+)/g)].map((m) => Number(m[1]));
        assert.deepEqual(listens.sort(), pod.containers[0].ports.map((p: any) => p.containerPort).sort());
        for (const service of SERVICES.filter((s) => s.gatewayRoutes.length)) {
          assert.match(data['nginx.conf']!, new RegExp(`server ${service.name}\\.ai-ninja\\.svc\\.cluster\\.local:${service.port} resolve `), 'each upstream is the headless Service');
        }
      });

      if (overlay === 'production') {
        it('pins every production image to a version: no `latest`, no missing tag', () => {
          for (const deployment of deployments) {
            for (const { image } of podSpecOf(deployment).containers) {
              assert.match(image, /^[^:@]+(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/, image);
              assert.doesNotMatch(image, /:latest$/, image);
            }
          }
        });
      }
    });
  }

  it('keeps the base’s images tagged with each service’s package version', () => {
    const base = readFileSync(new URL('./base/services/storage.yaml', import.meta.url), 'utf8');
    const { version } = JSON.parse(readFileSync(new URL('../../apps/storage/package.json', import.meta.url), 'utf8')) as { version: string };
    assert.match(base, new RegExp(`image: ghcr\\.io/ai-ninja/storage:${version.replaceAll('.', '\\.')}\\n`));
  });
});
