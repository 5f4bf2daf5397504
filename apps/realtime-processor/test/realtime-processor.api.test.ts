import { after, before, describe, it } from 'node:test';
import { describeServiceBasics, expectErrorEnvelope, testConfig } from '@ai-ninja/service-kit/testing';
import type { RunningService } from '@ai-ninja/service-kit';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dataDir = await mkdtemp(join(tmpdir(), 'realtime-processor-basics-'));
after(() => rm(dataDir, { recursive: true, force: true }));

describeServiceBasics({
  name: 'realtime-processor',
  configSchema,
  createApp: (config) => createApp({ config: { ...config, DATA_DIR: dataDir }, version: 'test' }),
});

describe('realtime-processor over plain HTTP', () => {
  let running: RunningService;
  before(async () => {
    running = await createApp({ config: testConfig(configSchema, { DATA_DIR: dataDir }), version: 'test' }).listen();
  });
  after(() => running.close());

  it('answers a plain GET of the WebSocket endpoint with 426 UPGRADE_REQUIRED', async () => {
    const response = await fetch(`${running.url}/realtime/conversation`);
    await expectErrorEnvelope(response, 426, 'UPGRADE_REQUIRED');
  });
});
