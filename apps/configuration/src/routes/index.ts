import {
  ConfigHistoryEndpoint,
  DefineExperimentEndpoint,
  ErrorEnvelopeSchema,
  EvaluateFeatureFlagsEndpoint,
  ExperimentAssignmentEndpoint,
  GetConfigValueEndpoint,
  GetServiceConfigEndpoint,
  ListExperimentsEndpoint,
  ListFeatureFlagsEndpoint,
  PutFeatureFlagEndpoint,
  SetServiceConfigEndpoint,
} from '@ai-ninja/contracts';
import type { Service } from '@ai-ninja/service-kit';
import type { ConfigurationService } from '../domain/configuration.service.js';

const error = (description: string) => ({ description, schema: ErrorEnvelopeSchema });
const TAGS = { config: ['configuration'], flags: ['feature flags'], experiments: ['experiments'] };

/**
 * configuration's routes, with the schemas of libs/contracts (the config client calls the same endpoints).
 * `features` and `experiments` are registered before `{service}`, which would otherwise take them for a service
 * name (and refuse them, since no service has either name).
 */
export function registerRoutes(service: Service, configuration: ConfigurationService): void {
  registerFlagRoutes(service, configuration);
  registerExperimentRoutes(service, configuration);
  registerValueRoutes(service, configuration);
}

function registerFlagRoutes(service: Service, configuration: ConfigurationService): void {
  service.route({
    method: 'get',
    path: ListFeatureFlagsEndpoint.path,
    summary: ListFeatureFlagsEndpoint.summary,
    tags: TAGS.flags,
    auth: 'admin',
    responses: { 200: { description: 'Every flag, by name', schema: ListFeatureFlagsEndpoint.response } },
    handler: async () => ({ status: 200, body: { flags: await configuration.flags() } }),
  });

  service.route({
    method: 'put',
    path: PutFeatureFlagEndpoint.path,
    summary: PutFeatureFlagEndpoint.summary,
    tags: TAGS.flags,
    auth: 'admin',
    request: { params: PutFeatureFlagEndpoint.params, body: PutFeatureFlagEndpoint.body },
    responses: {
      200: { description: 'The flag was replaced', schema: PutFeatureFlagEndpoint.response },
      201: { description: 'The flag was created', schema: PutFeatureFlagEndpoint.response },
      409: error('`expectedVersion` does not match the flag’s version (VERSION_CONFLICT)'),
    },
    handler: async ({ params, body, principal }) => {
      const { expectedVersion, ...rules } = body;
      const { flag, created } = await configuration.putFlag(params.flag, rules, expectedVersion, principal);
      return { status: created ? 201 : 200, body: flag };
    },
  });

  service.route({
    method: 'get',
    path: EvaluateFeatureFlagsEndpoint.path,
    summary: EvaluateFeatureFlagsEndpoint.summary,
    tags: TAGS.flags,
    auth: { owner: ({ params }) => params.userId },
    request: { params: EvaluateFeatureFlagsEndpoint.params },
    responses: { 200: { description: 'Every flag for the user, with the reasons', schema: EvaluateFeatureFlagsEndpoint.response } },
    handler: async ({ params }) => ({ status: 200, body: await configuration.evaluateFlags(params.userId) }),
  });
}

function registerExperimentRoutes(service: Service, configuration: ConfigurationService): void {
  service.route({
    method: 'get',
    path: ListExperimentsEndpoint.path,
    summary: ListExperimentsEndpoint.summary,
    tags: TAGS.experiments,
    auth: 'admin',
    responses: { 200: { description: 'Every experiment, by name', schema: ListExperimentsEndpoint.response } },
    handler: async () => ({ status: 200, body: { experiments: await configuration.experiments() } }),
  });

  service.route({
    method: 'post',
    path: DefineExperimentEndpoint.path,
    summary: DefineExperimentEndpoint.summary,
    tags: TAGS.experiments,
    auth: 'admin',
    request: { body: DefineExperimentEndpoint.body },
    responses: {
      200: { description: 'The experiment was changed', schema: DefineExperimentEndpoint.response },
      201: { description: 'The experiment was created', schema: DefineExperimentEndpoint.response },
      409: error('`expectedVersion` does not match the experiment’s version (VERSION_CONFLICT)'),
    },
    handler: async ({ body, principal }) => {
      const { expectedVersion, ...definition } = body;
      const { experiment, created } = await configuration.defineExperiment(definition, expectedVersion, principal);
      return { status: created ? 201 : 200, body: experiment };
    },
  });

  service.route({
    method: 'get',
    path: ExperimentAssignmentEndpoint.path,
    summary: ExperimentAssignmentEndpoint.summary,
    tags: TAGS.experiments,
    auth: { owner: ({ params }) => params.userId },
    request: { params: ExperimentAssignmentEndpoint.params },
    responses: {
      200: { description: 'The user’s variant', schema: ExperimentAssignmentEndpoint.response },
      404: error('No such experiment (EXPERIMENT_NOT_FOUND)'),
    },
    handler: async ({ params }) => ({ status: 200, body: await configuration.assignment(params.name, params.userId) }),
  });
}

function registerValueRoutes(service: Service, configuration: ConfigurationService): void {
  service.route({
    method: 'get',
    path: GetServiceConfigEndpoint.path,
    summary: GetServiceConfigEndpoint.summary,
    tags: TAGS.config,
    auth: 'admin',
    request: { params: GetServiceConfigEndpoint.params },
    responses: { 200: { description: 'Every key at its current version (none yet: empty)', schema: GetServiceConfigEndpoint.response } },
    handler: async ({ params }) => ({ status: 200, body: { service: params.service, values: await configuration.values(params.service) } }),
  });

  service.route({
    method: 'post',
    path: SetServiceConfigEndpoint.path,
    summary: SetServiceConfigEndpoint.summary,
    description:
      'Keys with a registered schema (e.g. smart-whitelist `evaluation.cacheTtlMs`) must fit it (422 CONFIG_VALUE_INVALID); ' +
      'the keys of one request are written together or not at all.',
    tags: TAGS.config,
    auth: 'admin',
    request: { params: SetServiceConfigEndpoint.params, body: SetServiceConfigEndpoint.body },
    responses: {
      200: { description: 'The new version of each key written', schema: SetServiceConfigEndpoint.response },
      409: error('An `expectedVersion` does not match (VERSION_CONFLICT); nothing was written'),
      422: error('A value does not fit its key’s schema (CONFIG_VALUE_INVALID); nothing was written'),
    },
    handler: async ({ params, body, principal }) => {
      const updated = await configuration.set(params.service, body.values, principal, body.comment);
      return { status: 200, body: { service: params.service, updated } };
    },
  });

  service.route({
    method: 'get',
    path: GetConfigValueEndpoint.path,
    summary: GetConfigValueEndpoint.summary,
    tags: TAGS.config,
    auth: 'admin',
    request: { params: GetConfigValueEndpoint.params },
    responses: {
      200: { description: 'The key’s current version', schema: GetConfigValueEndpoint.response },
      404: error('The key has no value (CONFIG_KEY_NOT_FOUND)'),
    },
    handler: async ({ params }) => ({ status: 200, body: await configuration.value(params.service, params.key) }),
  });

  service.route({
    method: 'get',
    path: ConfigHistoryEndpoint.path,
    summary: ConfigHistoryEndpoint.summary,
    tags: TAGS.config,
    auth: 'admin',
    request: { params: ConfigHistoryEndpoint.params, query: ConfigHistoryEndpoint.query },
    responses: {
      200: { description: 'Versions, newest first', schema: ConfigHistoryEndpoint.response },
      404: error('The key never had a value (CONFIG_KEY_NOT_FOUND)'),
    },
    handler: async ({ params, query }) => ({
      status: 200,
      body: { service: params.service, key: params.key, versions: await configuration.history(params.service, params.key, query.limit) },
    }),
  });
}
