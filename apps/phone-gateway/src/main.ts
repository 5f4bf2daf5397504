import { createLogger, loadConfig, packageVersion, runMain } from '@ai-ninja/service-kit';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { openPhoneGatewayDatabase } from './store/database.js';

runMain(async () => {
  const config = loadConfig(configSchema);
  const logger = createLogger({ service: 'phone-gateway', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const database = await openPhoneGatewayDatabase(config, logger);
  return createApp({ config, version: packageVersion(import.meta.url), database, logger }).listen();
});
