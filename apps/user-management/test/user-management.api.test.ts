import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

describeServiceBasics({
  name: 'user-management',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test' }),
  notImplemented: ['/api/v1/auth/login', '/api/v1/users/u1'],
});
