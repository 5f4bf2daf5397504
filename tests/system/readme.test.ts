import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVICES } from '@ai-ninja/contracts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('starts with the two command lines that work on a fresh clone', () => {
    const top = README.split('\n').slice(0, 10).join('\n');
    assert.match(top, /^npm ci && npm start\b/m);
    assert.match(top, /^npm ci && npm test\b/m);
  });

  it('shows the service table exactly as the catalog has it', () => {
    const rows = README.split('\n').filter((line) => /^\| [a-z-]+ \| \d{4} \|/.test(line));
    const expected = SERVICES.map((s) => {
      const routes = s.gatewayRoutes.length ? s.gatewayRoutes.map((r) => r.path + (r.websocket ? ' (WebSocket)' : '')).join(', ') : 'internal';
      const { minReplicas, maxReplicas, targetCpuPercent } = s.autoscaling;
      return `| ${s.name} | ${s.port} | ${routes} | ${s.upstream} | ${minReplicas}-${maxReplicas}, ${targetCpuPercent}% | ${s.discoveryEnv} |`;
    });
    assert.deepEqual(rows, expected);
  });
});
