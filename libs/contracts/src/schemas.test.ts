import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorEnvelopeSchema } from './errors.js';
import { HealthBodySchema } from './health.js';

describe('wire schemas', () => {
  it('accepts an error envelope with a stable upper-case code', () => {
    const body = { error: { code: 'WHITELIST_ENTRY_NOT_FOUND', message: 'No such entry', requestId: 'r-1', details: { id: 3 } } };
    assert.deepEqual(ErrorEnvelopeSchema.parse(body), body);
  });

  it('rejects an error envelope whose code is prose', () => {
    assert.equal(ErrorEnvelopeSchema.safeParse({ error: { code: 'not found', message: 'x' } }).success, false);
  });

  it('accepts a health body with checks as arrays of results, as application/health+json has them', () => {
    const body = {
      status: 'warn',
      service: 'storage',
      version: '0.1.0',
      serviceId: 'host:1',
      checks: { redis: [{ status: 'fail', affectsReadiness: false, time: new Date().toISOString(), output: 'ECONNREFUSED' }] },
    };
    assert.equal(HealthBodySchema.safeParse(body).success, true);
    assert.equal(HealthBodySchema.safeParse({ ...body, status: 'ok' }).success, false);
  });
});
