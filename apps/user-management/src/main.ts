import { loadConfig, packageVersion, runMain } from '@ai-ninja/service-kit';
import { createApp } from './app.js';
import { configSchema } from './config.js';

runMain(async () => {
  const config = loadConfig(configSchema);
  return (await createApp({ config, version: packageVersion(import.meta.url) })).listen();
});
