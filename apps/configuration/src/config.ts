import type { z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { serviceConfigSchema } from '@ai-ninja/service-kit';

/** configuration's environment: the kit's variables (PORT defaults to the catalog's port) and the database's. */
export const configSchema = serviceConfigSchema('configuration').extend({ ...databaseConfigShape });

/** configuration's validated configuration. */
export type Config = z.output<typeof configSchema>;
