/**
 * The gateway's environments. Each gives the one template its values: where the upstreams are, the port, TLS.
 */
import { GATEWAY_PORT, type ServiceDefinition } from '@ai-ninja/contracts';
import type { GatewayEnvironment } from './nginx-render.js';

/** The kubernetes namespace every manifest lives in (nginx's resolver needs fully qualified names). */
export const NAMESPACE = 'ai-ninja';
/** The gateway's TLS port in containers. */
export const GATEWAY_TLS_PORT = 8443;
/** Where the containers mount the certificate (the `gateway-tls` Secret in kubernetes, a volume in compose). */
export const CONTAINER_TLS_DIR = '/etc/nginx/tls';

/** `http://host:port/` (comma-separated for replicas) → `host:port` entries. */
function serversOf(urls: string): string[] {
  return urls
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => new URL(url).host);
}

/**
 * `npm start`: the services on this machine. A service's discovery variable, when set (e.g.
 * `WHITELIST_SERVICE_URL=http://127.0.0.1:3006,http://127.0.0.1:4006`), lists its replicas; otherwise the catalog's port.
 */
export function localEnvironment(env: NodeJS.ProcessEnv = process.env, port = GATEWAY_PORT): GatewayEnvironment {
  return {
    port,
    workerProcesses: 'auto',
    upstreams: (service) => {
      const urls = env[service.discoveryEnv];
      return urls ? serversOf(urls) : [`127.0.0.1:${service.port}`];
    },
  };
}

/**
 * kubernetes: each upstream is the service's headless Service, so nginx sees every pod (not one ClusterIP), and
 * `resolve` (nginx ≥ 1.27.3, the gateway image) re-resolves it as pods come and go.
 */
export function kubernetesEnvironment(): GatewayEnvironment {
  return {
    port: GATEWAY_PORT,
    // Matches the gateway container's CPU limit; `auto` would start one worker per node core.
    workerProcesses: 2,
    accessLog: '/dev/stdout',
    upstreams: (service: ServiceDefinition) => [`${service.name}.${NAMESPACE}.svc.cluster.local:${service.port} resolve`],
    tls: { port: GATEWAY_TLS_PORT, certificate: `${CONTAINER_TLS_DIR}/tls.crt`, certificateKey: `${CONTAINER_TLS_DIR}/tls.key` },
    // valid=5s: a pod that left is out of nginx's peers well within its preStop pause.
    httpSnippets: { 'resolver.conf': 'resolver kube-dns.kube-system.svc.cluster.local valid=5s ipv6=off;\nresolver_timeout 2s;\n' },
  };
}

/** compose: the services by their compose names, on Docker's network; nginx resolves each once, at start. */
export function composeEnvironment(): GatewayEnvironment {
  return {
    port: GATEWAY_PORT,
    workerProcesses: 'auto',
    accessLog: '/dev/stdout',
    upstreams: (service: ServiceDefinition) => [`${service.name}:${service.port}`],
    tls: { port: GATEWAY_TLS_PORT, certificate: `${CONTAINER_TLS_DIR}/tls.crt`, certificateKey: `${CONTAINER_TLS_DIR}/tls.key` },
  };
}
