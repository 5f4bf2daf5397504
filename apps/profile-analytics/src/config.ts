import type { z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { serviceConfigSchema } from '@ai-ninja/service-kit';

/** profile-analytics's environment: the kit's variables and the database's (README: Configuration). */
export const configSchema = serviceConfigSchema('profile-analytics').extend({
  ...databaseConfigShape,
});

/** profile-analytics's validated configuration. */
export type Config = z.output<typeof configSchema>;
