import type { z } from '@ai-ninja/contracts';
import { serviceConfigSchema } from '@ai-ninja/service-kit';

/** user-management's environment: the kit's variables (PORT defaults to the catalog's port); its own join with its APIs. */
export const configSchema = serviceConfigSchema('user-management');

/** user-management's validated configuration. */
export type Config = z.output<typeof configSchema>;
