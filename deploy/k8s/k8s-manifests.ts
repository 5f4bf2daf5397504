/**
 * The Kubernetes manifests, written from the service catalog: a kustomize base (per service a Deployment, a
 * headless Service, an HPA, a PodDisruptionBudget and a NetworkPolicy; the gateway; config) and two overlays.
 */
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { SERVICES, type ServiceDefinition, type ServiceName } from '@ai-ninja/contracts';
import { GATEWAY_TLS_PORT, NAMESPACE, kubernetesEnvironment } from '../nginx/gateway-environments.js';
import { renderGatewayFiles } from '../nginx/nginx-render.js';
import { DATA_DIR, databaseName, discoveryVariables, serviceVersion, SHUTDOWN_TIMEOUT_MS } from '../deploy-settings.js';
import { callersOf } from './call-graph.js';

/** The gateway's image: nginx ≥ 1.27.3 for `resolve` on upstream servers (Debian's 1.22 has not). */
export const GATEWAY_IMAGE = 'nginx:1.28.0-alpine';
/** Where the services' images are pushed. */
export const IMAGE_REGISTRY = 'ghcr.io/ai-ninja';
/** The uid of the `node` user in the node images, and of `nginx` in the nginx images. */
const NODE_UID = 1000;
const NGINX_UID = 101;

/** Readiness is probed this often; a pod whose readiness fails twice leaves the endpoints. */
export const READINESS_PERIOD_SECONDS = 5;
export const READINESS_FAILURE_THRESHOLD = 2;
/**
 * Before SIGTERM the pod keeps serving this long, while endpoints, kube-proxy, the gateway's resolver (valid=5s) and
 * the clients' DNS refresh all stop sending it requests: longer than the readiness period, so no request is lost.
 */
export const PRE_STOP_SECONDS = 15;
/** preStop, then the shutdown timeout, then a margin: the kubelet never kills a pod that is still draining. */
export const TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + SHUTDOWN_TIMEOUT_MS / 1000 + 5;

/** Names of objects shared by the services. */
export const CONFIG_MAP = 'ai-ninja-config';
export const DATASTORES_SECRET = 'ai-ninja-datastores';
export const GATEWAY_TLS_SECRET = 'gateway-tls';
export const GATEWAY_CONFIG_MAP = 'gateway-nginx';
/** Secrets kubernetes gets from outside the repository (External Secrets, cert-manager, `kubectl create secret`). */
export const EXTERNAL_SECRETS: Readonly<Record<string, string>> = {
  [DATASTORES_SECRET]:
    'PostgreSQL and Redis URLs with credentials, the services\' shared SERVICE_AUTH_SECRET and the telephony provider\'s webhook token: generated with placeholders in overlays/dev, provided by the cluster in production',
  [GATEWAY_TLS_SECRET]: 'the gateway certificate (kubernetes.io/tls), from cert-manager or `kubectl create secret tls`',
};

/** CPU and memory per service: requests are what the HPA's utilisation is measured against. */
const RESOURCES: Readonly<Partial<Record<ServiceName, { cpu: string; memory: string; cpuLimit: string; memoryLimit: string }>>> = {
  'realtime-processor': { cpu: '250m', memory: '192Mi', cpuLimit: '1', memoryLimit: '384Mi' },
  'conversation-engine': { cpu: '250m', memory: '192Mi', cpuLimit: '1', memoryLimit: '384Mi' },
};
const DEFAULT_RESOURCES = { cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' };

/** The key of a service's DATABASE_URL in the datastores Secret. */
export function databaseUrlKey(service: Pick<ServiceDefinition, 'name'>): string {
  return `${service.name}-database-url`;
}

/** The image of a service, tagged with its package version. */
export function serviceImage(service: Pick<ServiceDefinition, 'name'>): string {
  return `${IMAGE_REGISTRY}/${service.name}:${serviceVersion(service)}`;
}

const labels = (name: string, component: 'service' | 'gateway') => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': 'ai-ninja',
  'app.kubernetes.io/component': component,
});
const selector = (name: string) => ({ 'app.kubernetes.io/name': name });

const restrictedContainer = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
});

const spreadAcrossNodes = (name: string) => [
  { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector(name) } },
];

function serviceDeployment(service: ServiceDefinition) {
  const resources = RESOURCES[service.name] ?? DEFAULT_RESOURCES;
  const httpGet = (path: string) => ({ path, port: 'http' });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service.name, labels: labels(service.name, 'service') },
    spec: {
      // No `replicas`: the HPA owns it, and an apply would otherwise reset it.
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(service.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(service.name, 'service') },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: { runAsNonRoot: true, fsGroup: NODE_UID, seccompProfile: { type: 'RuntimeDefault' } },
          topologySpreadConstraints: spreadAcrossNodes(service.name),
          containers: [
            {
              name: service.name,
              image: serviceImage(service),
              ports: [{ name: 'http', containerPort: service.port, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
              env: [
                { name: 'PORT', value: String(service.port) },
                { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: DATASTORES_SECRET, key: databaseUrlKey(service) } } },
                { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: DATASTORES_SECRET, key: 'redis-url' } } },
                { name: 'SERVICE_AUTH_SECRET', valueFrom: { secretKeyRef: { name: DATASTORES_SECRET, key: 'service-auth-secret' } } },
                ...(service.name === 'phone-gateway' ? [{ name: 'PHONE_WEBHOOK_TOKEN', valueFrom: { secretKeyRef: { name: DATASTORES_SECRET, key: 'phone-webhook-token' } } }] : []),
              ],
              resources: {
                requests: { cpu: resources.cpu, memory: resources.memory },
                limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
              },
              // Liveness checks only the process; readiness checks dependencies and fails from the first moment of shutdown.
              startupProbe: { httpGet: httpGet('/health/live'), periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
              livenessProbe: { httpGet: httpGet('/health/live'), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
              readinessProbe: {
                httpGet: httpGet('/health/ready'),
                periodSeconds: READINESS_PERIOD_SECONDS,
                failureThreshold: READINESS_FAILURE_THRESHOLD,
                timeoutSeconds: 2,
              },
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
              securityContext: restrictedContainer(NODE_UID),
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'data', mountPath: DATA_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
}

function headlessService(name: string, port: number, component: 'service' | 'gateway') {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: labels(name, component) },
    spec: {
      // Headless: DNS answers every ready pod, so the gateway (resolve) and the service-client (DNS refresh)
      // balance per request over pods instead of kube-proxy balancing per connection over one ClusterIP.
      clusterIP: 'None',
      selector: selector(name),
      ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

function autoscaler(service: ServiceDefinition) {
  const { minReplicas, maxReplicas, targetCpuPercent } = service.autoscaling;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: service.name, labels: labels(service.name, 'service') },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service.name },
      minReplicas,
      maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCpuPercent } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

function disruptionBudget(name: string, component: 'service' | 'gateway') {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, labels: labels(name, component) },
    // maxUnavailable, not minAvailable: a one-replica service (monitoring at its minimum) must not block node drains.
    spec: { maxUnavailable: 1, selector: { matchLabels: selector(name) } },
  };
}

function networkPolicy(service: ServiceDefinition) {
  const sources = [...(service.gatewayRoutes.length > 0 ? ['gateway'] : []), ...callersOf(service.name)];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: service.name, labels: labels(service.name, 'service') },
    spec: {
      podSelector: { matchLabels: selector(service.name) },
      policyTypes: ['Ingress'],
      ingress: [{ from: sources.map((name) => ({ podSelector: { matchLabels: selector(name) } })), ports: [{ protocol: 'TCP', port: service.port }] }],
    },
  };
}

const GATEWAY_CONF_DIR = '/etc/nginx/gateway';
const nginxCommand = (...extra: string[]) => ['nginx', '-p', '/tmp/', '-c', `${GATEWAY_CONF_DIR}/nginx.conf`, '-e', 'stderr', ...extra];
/** The gateway drains: it stops being an endpoint, then finishes what it serves (worker_shutdown_timeout 30s). */
export const GATEWAY_PRE_STOP = `sleep 10; ${nginxCommand('-s', 'quit').join(' ')}; while [ -e /tmp/nginx.pid ]; do sleep 1; done`;
export const GATEWAY_GRACE_SECONDS = 10 + 30 + 5;

function gatewayObjects() {
  const name = 'gateway';
  const env = kubernetesEnvironment();
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: labels(name, 'gateway') },
      spec: {
        replicas: 2,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector(name) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: labels(name, 'gateway') },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: GATEWAY_GRACE_SECONDS,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: spreadAcrossNodes(name),
            containers: [
              {
                name: 'nginx',
                image: GATEWAY_IMAGE,
                // The image's entrypoint would rewrite /etc/nginx; the configuration is already rendered (ConfigMap).
                command: nginxCommand('-g', 'daemon off;'),
                ports: [
                  { name: 'http', containerPort: env.port, protocol: 'TCP' },
                  { name: 'https', containerPort: GATEWAY_TLS_PORT, protocol: 'TCP' },
                ],
                resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '2', memory: '256Mi' } },
                startupProbe: { httpGet: { path: '/gateway/health', port: 'http' }, periodSeconds: 1, failureThreshold: 30 },
                livenessProbe: { httpGet: { path: '/gateway/health', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
                readinessProbe: { httpGet: { path: '/gateway/health', port: 'http' }, periodSeconds: 5, failureThreshold: 1 },
                lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', GATEWAY_PRE_STOP] } } },
                securityContext: restrictedContainer(NGINX_UID),
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'config', mountPath: GATEWAY_CONF_DIR, readOnly: true },
                  { name: 'tls', mountPath: '/etc/nginx/tls', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
              {
                name: 'config',
                configMap: {
                  name: GATEWAY_CONFIG_MAP,
                  items: [
                    { key: 'nginx.conf', path: 'nginx.conf' },
                    { key: 'resolver.conf', path: 'conf.d/resolver.conf' },
                    { key: 'tls.conf', path: 'tls.d/tls.conf' },
                  ],
                },
              },
              { name: 'tls', secret: { secretName: GATEWAY_TLS_SECRET } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: labels(name, 'gateway') },
      spec: {
        type: 'ClusterIP',
        selector: selector(name),
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
        ],
      },
    },
    disruptionBudget(name, 'gateway'),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, labels: labels(name, 'gateway') },
      spec: {
        podSelector: { matchLabels: selector(name) },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: env.port }, { protocol: 'TCP', port: GATEWAY_TLS_PORT }] }],
      },
    },
  ];
}

const HEADER = '# GENERATED from libs/contracts/src/catalog.ts by `npm run generate -w @ai-ninja/deploy`; do not edit.\n';
const yamlDocuments = (objects: readonly object[]) => HEADER + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');

/** Every file of deploy/k8s, by path relative to it. */
export function kubernetesFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const serviceFiles = SERVICES.map((service) => {
    const path = `services/${service.name}.yaml`;
    files.set(
      `base/${path}`,
      yamlDocuments([serviceDeployment(service), headlessService(service.name, service.port, 'service'), autoscaler(service), disruptionBudget(service.name, 'service'), networkPolicy(service)]),
    );
    return path;
  });
  files.set('base/gateway/gateway.yaml', yamlDocuments(gatewayObjects()));
  for (const [path, text] of renderGatewayFiles(kubernetesEnvironment())) files.set(`base/gateway/${basename(path)}`, text);
  files.set(
    'base/namespace.yaml',
    yamlDocuments([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
      {
        // Nothing reaches a pod unless a NetworkPolicy of its own lets it in.
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny-ingress' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    ]),
  );
  const config = {
    ...discoveryVariables(),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    // preStop already waited for the endpoints to update: no further drain delay after SIGTERM.
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    DATA_DIR,
    // Headless Services: re-resolve so that new pods join and gone ones leave the client-side balancer.
    DISCOVERY_DNS_REFRESH_MS: '5000',
  };
  files.set(
    'base/kustomization.yaml',
    HEADER +
      stringify(
        {
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          namespace: NAMESPACE,
          resources: ['namespace.yaml', ...serviceFiles, 'gateway/gateway.yaml'],
          configMapGenerator: [
            { name: CONFIG_MAP, literals: Object.entries(config).map(([k, v]) => `${k}=${v}`) },
            { name: GATEWAY_CONFIG_MAP, files: ['nginx.conf=gateway/nginx.conf', 'tls.conf=gateway/tls.conf', 'resolver.conf=gateway/resolver.conf'] },
          ],
        },
        { lineWidth: 0 },
      ),
  );
  files.set('overlays/dev/kustomization.yaml', HEADER + stringify(devOverlay(), { lineWidth: 0 }));
  files.set('overlays/production/kustomization.yaml', HEADER + stringify(productionOverlay(), { lineWidth: 0 }));
  return files;
}

function devOverlay() {
  const placeholder = (service: ServiceDefinition) =>
    `${databaseUrlKey(service)}=postgres://ai_ninja:dev-placeholder@postgres.ai-ninja-dev-data.svc.cluster.local:5432/${databaseName(service)}`;
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['../../base'],
    labels: [{ pairs: { 'ai-ninja/environment': 'dev' }, includeSelectors: false }],
    configMapGenerator: [{ name: CONFIG_MAP, behavior: 'merge', literals: ['LOG_LEVEL=debug'] }],
    // Placeholders only, never real credentials: point them at the dev cluster's PostgreSQL and Redis.
    secretGenerator: [
      {
        name: DATASTORES_SECRET,
        literals: [
          ...SERVICES.map(placeholder),
          'redis-url=redis://:dev-placeholder@redis.ai-ninja-dev-data.svc.cluster.local:6379/0',
          'service-auth-secret=dev-placeholder-service-auth-secret-change-me',
          'phone-webhook-token=dev-placeholder-webhook-token',
        ],
      },
    ],
  };
}

function productionOverlay() {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['../../base'],
    labels: [{ pairs: { 'ai-ninja/environment': 'production' }, includeSelectors: false }],
    patches: [
      {
        target: { kind: 'Service', name: 'gateway' },
        // Local keeps the client's address, which the rate limits and ip_hash key on.
        patch: stringify([
          { op: 'replace', path: '/spec/type', value: 'LoadBalancer' },
          { op: 'add', path: '/spec/externalTrafficPolicy', value: 'Local' },
        ]),
      },
      { target: { kind: 'Deployment', name: 'gateway' }, patch: stringify([{ op: 'replace', path: '/spec/replicas', value: 3 }]) },
    ],
  };
}
