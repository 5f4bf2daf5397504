import { z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { envInt, serviceConfigSchema } from '@ai-ninja/service-kit';
import { isSupportedCountry } from 'libphonenumber-js/max';

/** smart-whitelist's environment: the kit's variables, the database's, and its own (README: Configuration). */
export const configSchema = serviceConfigSchema('smart-whitelist').extend({
  ...databaseConfigShape,
  /** Region of numbers written in national format (`(415) 555-0100`), ISO 3166 alpha-2. */
  WHITELIST_DEFAULT_REGION: z
    .string()
    .transform((region) => region.toUpperCase())
    .refine((region) => isSupportedCountry(region), 'must be an ISO 3166 alpha-2 region libphonenumber knows, such as US or GB')
    .default('US'),
  /** How long an evaluation is cached, ms; 0 turns the cache off. */
  WHITELIST_EVAL_CACHE_TTL_MS: envInt(0, 3_600_000).default(60_000),
  /** How long a caller's profile from profile-analytics is cached, ms; 0 turns it off. */
  WHITELIST_PROFILE_CACHE_TTL_MS: envInt(0, 3_600_000).default(60_000),
  /** Deadline of one profile look-up; past it the evaluation answers without the profile. */
  WHITELIST_PROFILE_TIMEOUT_MS: envInt(10, 10_000).default(300),
  /** How often the outbox of profile reports that profile-analytics did not take is retried, ms. */
  WHITELIST_OUTBOX_RETRY_MS: envInt(100, 3_600_000).default(5000),
  /** In-process caches only (no REDIS_URL): at most this many values in each. */
  WHITELIST_CACHE_MAX_ENTRIES: envInt(1, 10_000_000).default(50_000),
});

/** smart-whitelist's validated configuration. */
export type Config = z.output<typeof configSchema>;
