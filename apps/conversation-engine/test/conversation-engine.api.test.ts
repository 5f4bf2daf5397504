import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

describeServiceBasics({
  name: 'conversation-engine',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test' }),
  notImplemented: ['/api/v1/conversation/history/c1'],
});
