import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

describeServiceBasics({
  name: 'profile-analytics',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test' }),
  notImplemented: ['/api/v1/analytics/profile/+14155550100'],
});
