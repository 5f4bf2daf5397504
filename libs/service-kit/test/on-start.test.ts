import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createService, serviceConfigSchema } from '../src/index.js';
import { testConfig } from '../src/testing.js';

const make = () => createService({ name: 'storage', version: 'test', config: testConfig(serviceConfigSchema('storage')) });

describe('onStart', () => {
  it('runs the starters in order before the service takes requests', async () => {
    const service = make();
    const ran: string[] = [];
    service.onStart('first', async () => void ran.push('first'));
    service.onStart('second', () => void ran.push('second'));
    const running = await service.listen();
    try {
      assert.deepEqual(ran, ['first', 'second']);
      assert.equal((await fetch(`${running.url}/health/live`)).status, 200);
    } finally {
      await running.close();
    }
  });

  it('fails listen() when a starter fails, naming it', async () => {
    const service = make();
    service.onStart('event bus', async () => {
      throw new Error('no database');
    });
    await assert.rejects(service.listen(), /storage could not start its event bus: no database/);
  });
});
