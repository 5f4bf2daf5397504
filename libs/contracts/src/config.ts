import { SERVICE_NAMES } from './catalog.js';
import { defineEndpoint } from './endpoint.js';
import { z } from './zod.js';

/** Whose configuration: a service of the catalog, or `global` for settings every service shares. */
export const CONFIG_SCOPES = [...SERVICE_NAMES, 'global'] as const;
export const ConfigScopeSchema = z.enum(CONFIG_SCOPES).describe('A service of the catalog, or `global`');
export type ConfigScope = z.infer<typeof ConfigScopeSchema>;

/** A configuration key: `evaluation.cacheTtlMs`. */
export const ConfigKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, `.`, `_` or `-` (up to 128), starting with a letter or digit')
  .describe('A configuration key, e.g. `evaluation.cacheTtlMs`');

/** Any JSON value (the body it arrives in is JSON); only a missing value is refused. */
export const JsonValueSchema = z.unknown().refine((value) => value !== undefined, 'a JSON value is required');

/** A flag, experiment or variant name. */
const NameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, `.`, `_` or `-` (up to 64), starting with a letter or digit');
export const FlagNameSchema = NameSchema.describe('A feature flag name, e.g. `ai-answer.v2`');
export const ExperimentNameSchema = NameSchema.describe('An experiment name');

/** A user id as the other APIs carry it. */
export const ConfigUserIdSchema = z.string().min(1).max(128);

/** Who changed something: `user:<id>` or `service:<name>`, from the request's principal. */
const AuthorSchema = z.string().describe('Who made the change: `user:<userId>` or `service:<name>`');

/**
 * The registered value schemas of known keys, per scope. A value written for one of these keys must fit its
 * schema (422 otherwise); other keys take any JSON value. A service reading one of its keys passes the same schema
 * to the config client, so the two sides agree on the shape.
 */
export const CONFIG_KEY_SCHEMAS = {
  'smart-whitelist': {
    'evaluation.cacheTtlMs': z.number().int().min(0).max(3_600_000).describe('How long an evaluation result is cached, ms (0: no cache)'),
  },
  'phone-gateway': {
    'decision.timeoutMs': z.number().int().min(50).max(10_000).describe('Deadline of the call decision (transfer, AI answer or reject), ms'),
  },
} as const satisfies { readonly [S in ConfigScope]?: Readonly<Record<string, z.ZodType>> };

/** The registered schema of `key` in `scope`, if there is one. */
export function configKeySchema(scope: ConfigScope, key: string): z.ZodType | undefined {
  const keys = (CONFIG_KEY_SCHEMAS as Partial<Record<ConfigScope, Record<string, z.ZodType>>>)[scope];
  return keys && Object.hasOwn(keys, key) ? keys[key] : undefined;
}

/** One version of one key's value. */
export const ConfigEntrySchema = z
  .object({
    key: ConfigKeySchema,
    value: JsonValueSchema,
    version: z.number().int().positive().describe('1 for the first value; each change adds one'),
    updatedAt: z.iso.datetime(),
    author: AuthorSchema,
    comment: z.string().optional(),
  })
  .openapi('ConfigEntry');
export type ConfigEntry = z.infer<typeof ConfigEntrySchema>;

/** Every key of one scope, at its current version. */
export const ScopeConfigSchema = z
  .object({
    service: ConfigScopeSchema,
    values: z.record(z.string(), ConfigEntrySchema).describe('By key'),
  })
  .openapi('ScopeConfig');
export type ScopeConfig = z.infer<typeof ScopeConfigSchema>;

/** `POST /api/v1/config/{service}`: one or more keys, written together or not at all. */
export const SetConfigBodySchema = z
  .object({
    values: z
      .array(
        z.object({
          key: ConfigKeySchema,
          value: JsonValueSchema,
          expectedVersion: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('Write only if the key is at this version (0: only if it has no value yet); 409 otherwise'),
        }),
      )
      .min(1)
      .max(100)
      .refine((values) => new Set(values.map((v) => v.key)).size === values.length, 'each key at most once'),
    comment: z.string().max(500).optional().describe('Why, kept in the history'),
  })
  .openapi('SetConfigBody');
export type SetConfigBody = z.input<typeof SetConfigBodySchema>;

/** What a write produced: the new version of each key written. */
export const SetConfigResultSchema = z
  .object({ service: ConfigScopeSchema, updated: z.array(ConfigEntrySchema) })
  .openapi('SetConfigResult');

/** Every version of one key, newest first. */
export const ConfigHistorySchema = z
  .object({ service: ConfigScopeSchema, key: ConfigKeySchema, versions: z.array(ConfigEntrySchema) })
  .openapi('ConfigHistory');

/** `PUT /api/v1/config/features/{flag}`: a flag's whole definition. */
export const FeatureFlagDefinitionSchema = z
  .object({
    description: z.string().max(500).default(''),
    enabled: z.boolean().describe('Kill switch: false turns the flag off for everyone not on the allow list'),
    rolloutPercentage: z.number().min(0).max(100).describe('Share of users it is on for, by a stable hash of `flag:userId` (0.01 steps)'),
    allowUsers: z.array(ConfigUserIdSchema).max(10_000).default([]).describe('Always on for these users (unless denied)'),
    denyUsers: z.array(ConfigUserIdSchema).max(10_000).default([]).describe('Always off for these users; wins over everything'),
    expectedVersion: z.number().int().min(0).optional().describe('Write only if the flag is at this version (0: only a new flag); 409 otherwise'),
  })
  .openapi('FeatureFlagDefinition');
export type FeatureFlagDefinition = z.input<typeof FeatureFlagDefinitionSchema>;

/** A flag as stored. */
export const FeatureFlagSchema = z
  .object({
    name: FlagNameSchema,
    description: z.string(),
    enabled: z.boolean(),
    rolloutPercentage: z.number().min(0).max(100),
    allowUsers: z.array(z.string()),
    denyUsers: z.array(z.string()),
    version: z.number().int().positive(),
    updatedAt: z.iso.datetime(),
    author: AuthorSchema,
  })
  .openapi('FeatureFlag');
export type FeatureFlag = z.infer<typeof FeatureFlagSchema>;

/** Every flag. */
export const FeatureFlagListSchema = z.object({ flags: z.array(FeatureFlagSchema) }).openapi('FeatureFlagList');

/** Why a flag is on or off for a user, in the order the rules are applied. */
export const FlagReasonSchema = z.enum(['DENY_LIST', 'ALLOW_LIST', 'KILL_SWITCH', 'ROLLOUT_IN', 'ROLLOUT_OUT']);
export type FlagReason = z.infer<typeof FlagReasonSchema>;

/** Every flag evaluated for one user. */
export const FlagEvaluationSchema = z
  .object({
    userId: ConfigUserIdSchema,
    flags: z.record(z.string(), z.boolean()).describe('On or off, by flag'),
    reasons: z
      .record(
        z.string(),
        z.object({
          reason: FlagReasonSchema,
          bucket: z.number().min(0).max(99.99).optional().describe('The user’s bucket of this flag (0–99.99) when the rollout decided'),
        }),
      )
      .describe('Why, by flag'),
  })
  .openapi('FlagEvaluation');
export type FlagEvaluation = z.infer<typeof FlagEvaluationSchema>;

/** One arm of an experiment. */
export const ExperimentVariantSchema = z.object({
  name: NameSchema,
  weight: z.number().int().min(0).max(10_000).describe('Relative share of new assignments'),
});

/** `POST /api/v1/config/experiments`: defines an experiment, or changes the variants of an existing one. */
export const DefineExperimentBodySchema = z
  .object({
    name: ExperimentNameSchema,
    description: z.string().max(500).default(''),
    variants: z
      .array(ExperimentVariantSchema)
      .min(1)
      .max(20)
      .refine((variants) => new Set(variants.map((v) => v.name)).size === variants.length, 'variant names must be unique')
      .refine((variants) => variants.some((v) => v.weight > 0), 'at least one variant needs a weight above 0'),
    expectedVersion: z.number().int().min(0).optional().describe('Write only if the experiment is at this version (0: only a new one); 409 otherwise'),
  })
  .openapi('DefineExperimentBody');
export type DefineExperimentBody = z.input<typeof DefineExperimentBodySchema>;

/** An experiment as stored. */
export const ExperimentSchema = z
  .object({
    name: ExperimentNameSchema,
    description: z.string(),
    variants: z.array(ExperimentVariantSchema),
    version: z.number().int().positive(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    author: AuthorSchema,
  })
  .openapi('Experiment');
export type Experiment = z.infer<typeof ExperimentSchema>;

/** Every experiment. */
export const ExperimentListSchema = z.object({ experiments: z.array(ExperimentSchema) }).openapi('ExperimentList');

/** A user's variant of an experiment: assigned on first read, then the same for good. */
export const ExperimentAssignmentSchema = z
  .object({
    experiment: ExperimentNameSchema,
    userId: ConfigUserIdSchema,
    variant: z.string(),
    assignedAt: z.iso.datetime(),
    newlyAssigned: z.boolean().describe('True when this read made the assignment'),
  })
  .openapi('ExperimentAssignment');
export type ExperimentAssignment = z.infer<typeof ExperimentAssignmentSchema>;

const scopeParams = z.object({ service: ConfigScopeSchema });
const keyParams = z.object({ service: ConfigScopeSchema, key: ConfigKeySchema });

/** `GET /api/v1/config/{service}/{key}`: one key's current value. */
export const GetConfigValueEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/{service}/{key}',
  summary: 'Read one key’s current value',
  params: keyParams,
  response: ConfigEntrySchema,
});

/** `GET /api/v1/config/{service}`: every key of a service (or `global`). */
export const GetServiceConfigEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/{service}',
  summary: 'Read every key of a service (or `global`)',
  params: scopeParams,
  response: ScopeConfigSchema,
});

/** `POST /api/v1/config/{service}`: sets one or more keys, each as a new version. */
export const SetServiceConfigEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'post',
  path: '/api/v1/config/{service}',
  summary: 'Set one or more keys of a service (or `global`), each as a new version',
  params: scopeParams,
  body: SetConfigBodySchema,
  response: SetConfigResultSchema,
});

/** `GET /api/v1/config/{service}/{key}/history`: every version of a key, newest first. */
export const ConfigHistoryEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/{service}/{key}/history',
  summary: 'Every version of a key, newest first, with author, time and comment',
  params: keyParams,
  query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
  response: ConfigHistorySchema,
});

/** `PUT /api/v1/config/features/{flag}`: defines or replaces a flag. */
export const PutFeatureFlagEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'put',
  path: '/api/v1/config/features/{flag}',
  summary: 'Define or replace a feature flag',
  params: z.object({ flag: FlagNameSchema }),
  body: FeatureFlagDefinitionSchema,
  response: FeatureFlagSchema,
  successStatuses: [200, 201],
});

/** `GET /api/v1/config/features`: every flag's definition. */
export const ListFeatureFlagsEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/features',
  summary: 'Every feature flag’s definition',
  response: FeatureFlagListSchema,
});

/** `GET /api/v1/config/features/{userId}`: every flag evaluated for a user. */
export const EvaluateFeatureFlagsEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/features/{userId}',
  summary: 'Evaluate every feature flag for a user, with the reasons',
  params: z.object({ userId: ConfigUserIdSchema }),
  response: FlagEvaluationSchema,
});

/** `POST /api/v1/config/experiments`: defines an experiment or changes its variants. */
export const DefineExperimentEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'post',
  path: '/api/v1/config/experiments',
  summary: 'Define an experiment, or change its variants and weights (users already assigned keep their variant)',
  body: DefineExperimentBodySchema,
  response: ExperimentSchema,
  successStatuses: [200, 201],
});

/** `GET /api/v1/config/experiments`: every experiment. */
export const ListExperimentsEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/experiments',
  summary: 'Every experiment',
  response: ExperimentListSchema,
});

/** `GET /api/v1/config/experiments/{name}/assignment/{userId}`: the user's sticky variant. */
export const ExperimentAssignmentEndpoint = defineEndpoint({
  service: 'configuration',
  method: 'get',
  path: '/api/v1/config/experiments/{name}/assignment/{userId}',
  summary: 'A user’s variant of an experiment: assigned on first read by a stable hash, then sticky',
  params: z.object({ name: ExperimentNameSchema, userId: ConfigUserIdSchema }),
  response: ExperimentAssignmentSchema,
});
