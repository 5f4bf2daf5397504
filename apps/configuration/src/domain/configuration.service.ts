import { compileFlag, evaluateFlags, pickVariant } from '@ai-ninja/config-client';
import {
  configKeySchema,
  type ConfigEntry,
  type ConfigScope,
  type Experiment,
  type ExperimentAssignment,
  type FeatureFlag,
  type FlagEvaluation,
  type Principal,
} from '@ai-ninja/contracts';
import { AppError, toValidationIssues } from '@ai-ninja/service-kit';
import { VersionConflictError, type ChangeMeta, type ConfigurationStore, type FlagRules, type ValueWrite } from '../store/configuration.store.js';

/** The stable error codes of configuration's API. */
export const CONFIGURATION_ERROR_CODES = {
  keyNotFound: 'CONFIG_KEY_NOT_FOUND',
  valueInvalid: 'CONFIG_VALUE_INVALID',
  versionConflict: 'VERSION_CONFLICT',
  experimentNotFound: 'EXPERIMENT_NOT_FOUND',
} as const;

/** How many times a write that lost a race to a concurrent writer is tried again before answering 409. */
const RACE_RETRIES = 5;

/** Who made a change, as history records it. */
export function authorOf(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  return principal.kind === 'user' ? `user:${principal.userId}` : `service:${principal.service}`;
}

/**
 * Versioned configuration values, feature flags and experiments: the rules (schemas of known keys, optimistic
 * concurrency, flag evaluation, sticky assignment) over the store.
 */
export class ConfigurationService {
  constructor(
    private readonly store: ConfigurationStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Every key of a scope at its current version. */
  async values(scope: ConfigScope): Promise<Record<string, ConfigEntry>> {
    return Object.fromEntries((await this.store.currentValues(scope)).map((entry) => [entry.key, entry]));
  }

  /** One key at its current version; 404 when it has none. */
  async value(scope: ConfigScope, key: string): Promise<ConfigEntry> {
    const entry = await this.store.currentValue(scope, key);
    if (!entry) throw keyNotFound(scope, key);
    return entry;
  }

  /** Every version of a key, newest first; 404 when it never had one. */
  async history(scope: ConfigScope, key: string, limit: number): Promise<ConfigEntry[]> {
    const versions = await this.store.history(scope, key, limit);
    if (versions.length === 0) throw keyNotFound(scope, key);
    return versions;
  }

  /**
   * Writes keys together: each value must fit its key's registered schema (422 listing every misfit), and each
   * `expectedVersion` must match (409). Every key written gets its next version.
   */
  async set(scope: ConfigScope, writes: readonly ValueWrite[], principal: Principal | undefined, comment: string | undefined): Promise<ConfigEntry[]> {
    const issues = writes.flatMap((write, index) => {
      const schema = configKeySchema(scope, write.key);
      const result = schema?.safeParse(write.value);
      if (!result || result.success) return [];
      return toValidationIssues(result.error, 'body').map((issue) => ({
        ...issue,
        path: issue.path.replace(/^body/, `body.values.${index}.value`),
        key: write.key,
      }));
    });
    if (issues.length) {
      const keys = [...new Set(issues.map((issue) => issue.key))].join(', ');
      throw new AppError(422, CONFIGURATION_ERROR_CODES.valueInvalid, `The value of ${keys} does not fit its schema: ${issues[0]!.message}`, { issues });
    }
    return this.#retryingRaces(() => this.store.writeValues(scope, writes, this.#meta(principal, comment)));
  }

  /** Every flag's definition. */
  flags(): Promise<FeatureFlag[]> {
    return this.store.flags();
  }

  /** Defines or replaces a flag. */
  putFlag(name: string, rules: FlagRules, expectedVersion: number | undefined, principal: Principal | undefined): Promise<{ flag: FeatureFlag; created: boolean }> {
    return this.#retryingRaces(() => this.store.putFlag(name, rules, expectedVersion, this.#meta(principal)));
  }

  /** Every flag evaluated for one user (deny list, allow list, kill switch, then rollout by stable hash). */
  async evaluateFlags(userId: string): Promise<FlagEvaluation> {
    const flags = await this.store.flags();
    return evaluateFlags(flags.map(compileFlag), userId);
  }

  /** Every experiment. */
  experiments(): Promise<Experiment[]> {
    return this.store.experiments();
  }

  /** Defines an experiment or changes its variants; users already assigned keep their variant. */
  defineExperiment(
    definition: Pick<Experiment, 'name' | 'description' | 'variants'>,
    expectedVersion: number | undefined,
    principal: Principal | undefined,
  ): Promise<{ experiment: Experiment; created: boolean }> {
    return this.#retryingRaces(() => this.store.putExperiment(definition, expectedVersion, this.#meta(principal)));
  }

  /**
   * The user's variant: the stored one when there is one (whatever the weights are now), otherwise picked by the
   * stable hash over the current weights and stored. A user whose variant was removed from the experiment gets a
   * new one.
   */
  async assignment(name: string, userId: string): Promise<ExperimentAssignment> {
    const experiment = await this.store.experiment(name);
    if (!experiment) throw new AppError(404, CONFIGURATION_ERROR_CODES.experimentNotFound, `There is no experiment ${name}`);
    const stored = await this.store.assignment(name, userId);
    if (stored && experiment.variants.some((variant) => variant.name === stored.variant)) {
      return { experiment: name, userId, variant: stored.variant, assignedAt: stored.assignedAt, newlyAssigned: false };
    }
    const variant = pickVariant(name, experiment.variants, userId);
    const result = await this.store.assign(name, userId, variant, this.now().toISOString(), stored?.variant);
    return { experiment: name, userId, variant: result.variant, assignedAt: result.assignedAt, newlyAssigned: result.created };
  }

  #meta(principal: Principal | undefined, comment?: string): ChangeMeta {
    return { author: authorOf(principal), at: this.now().toISOString(), comment };
  }

  /** A lost race is tried again (it then reads the winner's version); a wrong `expectedVersion` is a 409 at once. */
  async #retryingRaces<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (error.expectedVersion === undefined && attempt < RACE_RETRIES) continue;
        throw new AppError(409, CONFIGURATION_ERROR_CODES.versionConflict, `Version conflict: ${error.message}`, {
          subject: error.subject,
          ...(error.expectedVersion !== undefined ? { expectedVersion: error.expectedVersion, actualVersion: error.actualVersion } : {}),
        });
      }
    }
  }
}

function keyNotFound(scope: ConfigScope, key: string): AppError {
  return new AppError(404, CONFIGURATION_ERROR_CODES.keyNotFound, `${scope} has no configuration key ${key}`);
}
