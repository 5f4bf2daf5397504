import { PersonalitySchema, z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { envInt, envString, serviceConfigSchema } from '@ai-ninja/service-kit';

/** conversation-engine's environment: the kit's variables, its database, and the optional chat-completions provider. */
export const configSchema = serviceConfigSchema('conversation-engine').extend({
  ...databaseConfigShape,
  /** The personality used when a turn names none (the user has not chosen). */
  DEFAULT_PERSONALITY: PersonalitySchema.default('polite'),
  /**
   * An OpenAI-compatible chat-completions API (`<LLM_BASE_URL>/chat/completions`) that writes the replies when set;
   * the embedded model decides the intent and the stage either way, and answers whenever the provider cannot.
   */
  LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  LLM_API_KEY: envString().optional(),
  LLM_MODEL: envString().default('gpt-4o-mini'),
  /** A reply from the provider must arrive within this, ms, or the embedded reply is used. */
  LLM_TIMEOUT_MS: envInt(100, 30_000).default(1500),
});

/** conversation-engine's validated configuration. */
export type Config = z.output<typeof configSchema>;
