import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

describeServiceBasics({
  name: 'realtime-processor',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test' }),
  notImplemented: ['/realtime/conversation'],
});
