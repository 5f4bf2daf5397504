import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DCLinter } from 'dclint';
import { parse } from 'yaml';
import { SERVICES } from '@ai-ninja/contracts';
import { composeEnvironment } from '../nginx/gateway-environments.js';
import { gatewayVariables } from '../nginx/nginx-render.js';
import { ROUTED_SERVICES, templateVariables, TLS_VARIABLES } from '../nginx/nginx-template.js';

const COMPOSE_PATH = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
const text = readFileSync(COMPOSE_PATH, 'utf8');
/* eslint-disable @typescript-eslint/no-explicit-any -- the compose file is checked field by field below */
const compose = parse(text) as { name: string; services: Record<string, any>; networks: Record<string, any> };

describe('docker-compose.yml', () => {
  it('passes dclint: the current compose-spec schema and every lint rule, offline', () => {
    const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });
    const [result] = linter.lintFiles([COMPOSE_PATH], false);
    assert.deepEqual(
      result!.messages.map((m: { rule: string; message: string }) => `${m.rule}: ${m.message}`),
      [],
    );
  });

  it('runs the nine services, the gateway, PostgreSQL and Redis as ai-ninja-<name> on ai-ninja-network', () => {
    const expected = [...SERVICES.map((s) => s.name), 'gateway', 'gateway-certificate', 'postgres', 'redis'];
    assert.deepEqual(Object.keys(compose.services).sort(), expected.sort());
    assert.equal(compose.networks['ai-ninja-network'].name, 'ai-ninja-network');
    for (const [name, service] of Object.entries(compose.services)) {
      assert.equal(service.container_name, `ai-ninja-${name}`);
      assert.deepEqual(service.networks, ['ai-ninja-network']);
    }
  });

  it('gives each service its catalog port and every discovery variable of the catalog', () => {
    for (const service of SERVICES) {
      const entry = compose.services[service.name];
      assert.equal(entry.environment.PORT, String(service.port), service.name);
      for (const other of SERVICES) assert.equal(entry.environment[other.discoveryEnv], `http://${other.name}:${other.port}`, `${service.name}: ${other.discoveryEnv}`);
      assert.deepEqual(entry.build, { context: '.', dockerfile: 'Dockerfile', args: { SERVICE: service.name } });
      assert.match(entry.image, /:\d+\.\d+\.\d+$/);
    }
  });

  it('checks each service’s /health with node every 30 s (10 s timeout, 3 retries) on its own port', () => {
    for (const service of SERVICES) {
      const { healthcheck } = compose.services[service.name];
      assert.equal(healthcheck.test[0], 'CMD');
      assert.equal(healthcheck.test[1], 'node');
      assert.match(healthcheck.test.at(-1), new RegExp(`fetch\\('http://127\\.0\\.0\\.1:${service.port}/health'\\)`));
      assert.deepEqual([healthcheck.interval, healthcheck.timeout, healthcheck.retries], ['30s', '10s', 3]);
    }
  });

  it('starts the gateway once the routed services are healthy, rendering the nginx template with the catalog’s upstreams', () => {
    const gateway = compose.services.gateway;
    for (const service of ROUTED_SERVICES) assert.deepEqual(gateway.depends_on[service.name], { condition: 'service_healthy' });
    const values = gatewayVariables(composeEnvironment());
    for (const name of [...templateVariables(), ...TLS_VARIABLES]) assert.equal(gateway.environment[name], values[name], name);
    for (const service of ROUTED_SERVICES) assert.equal(values[`${service.name.toUpperCase().replaceAll('-', '_')}_UPSTREAM`], `${service.name}:${service.port}`);
    assert.ok(gateway.volumes.includes('./deploy/nginx/nginx.conf.template:/etc/nginx/templates/nginx.conf.template:ro'));
    assert.deepEqual(gateway.ports, [`127.0.0.1:${values.GATEWAY_PORT}:${values.GATEWAY_PORT}`, `127.0.0.1:${values.GATEWAY_TLS_PORT}:${values.GATEWAY_TLS_PORT}`]);
  });

  it('leaves no lone `$` for compose to misread as its own interpolation', () => {
    assert.deepEqual(text.replace(/\$\$|\$\{/g, '').match(/\$/g) ?? [], []);
  });
});
