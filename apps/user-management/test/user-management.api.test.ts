import { after } from 'node:test';
import { testDatabase } from '@ai-ninja/data/testing';
import { describeServiceBasics } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

const database = await testDatabase('sqlite');
after(() => database.cleanup());

describeServiceBasics({
  name: 'user-management',
  configSchema,
  env: database.env,
  createApp: (config) => createApp({ config, version: 'test' }),
});
