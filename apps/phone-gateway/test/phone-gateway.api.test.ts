import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

describeServiceBasics({
  name: 'phone-gateway',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test' }),
  notImplemented: ['/webhook/incoming-call', '/api/v1/calls/c1/status'],
});
