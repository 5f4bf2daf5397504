import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpanBody } from '@ai-ninja/contracts';
import { assembleTrace } from './trace-assembler.js';

const TRACE = 'a'.repeat(32);
let next = 1;
const span = (service: string, startMs: number, durationMs: number, route = '/x'): SpanBody & { replica: string } => ({
  requestId: 'r1',
  traceId: TRACE,
  spanId: (next++).toString(16).padStart(16, '0'),
  service,
  method: 'GET',
  route,
  status: 200,
  startMs,
  durationMs,
  replica: `http://${service}`,
});

describe('trace assembler', () => {
  it('orders hops by start and nests each under the hop that called it', () => {
    const gateway = span('phone-gateway', 1000, 50);
    const users = span('user-management', 1002, 10);
    const whitelist = span('smart-whitelist', 1003, 30);
    const profile = span('profile-analytics', 1010, 15); // called by smart-whitelist (and inside the gateway's time too)
    const trace = assembleTrace('r1', [profile, whitelist, gateway, users])!;
    assert.deepEqual(
      trace.hops.map((h) => [h.service, h.depth, h.calledBy, h.offsetMs]),
      [
        ['phone-gateway', 0, null, 0],
        ['user-management', 1, gateway.spanId, 2],
        ['smart-whitelist', 1, gateway.spanId, 3],
        ['profile-analytics', 2, whitelist.spanId, 10],
      ],
    );
    assert.equal(trace.durationMs, 50);
    assert.deepEqual(trace.services, ['phone-gateway', 'user-management', 'smart-whitelist', 'profile-analytics']);
    assert.equal(trace.startedAt, new Date(1000).toISOString());
  });

  it('prefers the caller the catalog names over a sibling that happens to contain the callee in time', () => {
    const gateway = span('phone-gateway', 0, 100);
    const users = span('user-management', 1, 90); // phone-gateway calls it; it calls nobody
    const profile = span('profile-analytics', 5, 10); // phone-gateway calls it too
    const trace = assembleTrace('r1', [gateway, users, profile])!;
    assert.equal(trace.hops.find((h) => h.service === 'profile-analytics')!.calledBy, gateway.spanId);
  });

  it('keeps a hop that fits in no caller (clock skew) at the top level, in time order', () => {
    const gateway = span('phone-gateway', 1000, 10);
    const late = span('smart-whitelist', 1005, 20);
    const trace = assembleTrace('r1', [late, gateway])!;
    assert.deepEqual(
      trace.hops.map((h) => [h.service, h.depth]),
      [
        ['phone-gateway', 0],
        ['smart-whitelist', 0],
      ],
    );
  });

  it('has nothing to assemble without spans', () => {
    assert.equal(assembleTrace('r1', []), undefined);
  });
});
