import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

describeServiceBasics({
  name: 'storage',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test' }),
  notImplemented: ['/api/v1/storage/audio/a1'],
});
