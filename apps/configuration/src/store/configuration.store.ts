import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '@ai-ninja/data';
import type { ConfigEntry, Experiment, FeatureFlag } from '@ai-ninja/contracts';
import type { ConfigurationDb } from './schema.js';

/** A write found another version than the one it expected (or lost a race to a concurrent writer). */
export class VersionConflictError extends Error {
  constructor(
    readonly subject: string,
    readonly expectedVersion: number | undefined,
    readonly actualVersion: number | undefined,
  ) {
    super(
      expectedVersion === undefined
        ? `${subject} was changed concurrently`
        : `${subject} is at version ${actualVersion ?? 0}, not ${expectedVersion}`,
    );
    this.name = 'VersionConflictError';
  }
}

/** One key to write, with the version it must be at (0: absent) when the caller said. */
export interface ValueWrite {
  readonly key: string;
  readonly value: unknown;
  readonly expectedVersion?: number | undefined;
}

/** Who and when, for every change. */
export interface ChangeMeta {
  readonly author: string;
  readonly at: string;
  readonly comment?: string | undefined;
}

/** What a flag stores besides its name and bookkeeping. */
export type FlagRules = Pick<FeatureFlag, 'description' | 'enabled' | 'rolloutPercentage' | 'allowUsers' | 'denyUsers'>;

/** A user's stored variant. */
export interface StoredAssignment {
  readonly variant: string;
  readonly assignedAt: string;
}

/**
 * configuration's persistence, over Kysely: SQLite or PostgreSQL alike. Every write that bumps a version runs in a
 * transaction, and a concurrent writer of the same version collides on a primary key (reported as a conflict),
 * so no version is ever written twice.
 */
export class ConfigurationStore {
  constructor(private readonly db: Kysely<ConfigurationDb>) {}

  /** The current entry of every key of `scope`, by key order. */
  async currentValues(scope: string): Promise<ConfigEntry[]> {
    const rows = await this.db
      .selectFrom('config_entries as e')
      .selectAll('e')
      .where('e.scope', '=', scope)
      .where(({ eb, selectFrom }) =>
        eb(
          'e.version',
          '=',
          selectFrom('config_entries as l')
            .select(({ fn }) => fn.max('l.version').as('max_version'))
            .whereRef('l.scope', '=', 'e.scope')
            .whereRef('l.key', '=', 'e.key'),
        ),
      )
      .orderBy('e.key')
      .execute();
    return rows.map(toEntry);
  }

  /** The current entry of one key. */
  async currentValue(scope: string, key: string): Promise<ConfigEntry | undefined> {
    const row = await this.db
      .selectFrom('config_entries')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toEntry(row);
  }

  /** Up to `limit` versions of one key, newest first. */
  async history(scope: string, key: string, limit: number): Promise<ConfigEntry[]> {
    const rows = await this.db
      .selectFrom('config_entries')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .orderBy('version', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  /** Writes every key as its next version, all or none; a version that is not the expected one aborts them all. */
  async writeValues(scope: string, writes: readonly ValueWrite[], meta: ChangeMeta): Promise<ConfigEntry[]> {
    return this.#conflictsAsErrors(`${scope} configuration`, () =>
      this.db.transaction().execute(async (trx) => {
        const keys = writes.map((write) => write.key);
        const current = await trx
          .selectFrom('config_entries')
          .select(['key', (eb) => eb.fn.max('version').as('version')])
          .where('scope', '=', scope)
          .where('key', 'in', keys)
          .groupBy('key')
          .execute();
        const versions = new Map(current.map((row) => [row.key, Number(row.version)]));
        const rows = writes.map((write) => {
          const version = versions.get(write.key) ?? 0;
          if (write.expectedVersion !== undefined && write.expectedVersion !== version) {
            throw new VersionConflictError(`${scope}/${write.key}`, write.expectedVersion, version);
          }
          return {
            scope,
            key: write.key,
            version: version + 1,
            value_json: JSON.stringify(write.value),
            author: meta.author,
            comment: meta.comment ?? null,
            created_at: meta.at,
          };
        });
        await trx.insertInto('config_entries').values(rows).execute();
        return rows.map(toEntry);
      }),
    );
  }

  /** Every flag, by name. */
  async flags(): Promise<FeatureFlag[]> {
    const rows = await this.db.selectFrom('feature_flags').selectAll().orderBy('name').execute();
    return rows.map(toFlag);
  }

  /** Creates or replaces a flag as its next version; `created` says which. */
  async putFlag(name: string, rules: FlagRules, expectedVersion: number | undefined, meta: ChangeMeta): Promise<{ flag: FeatureFlag; created: boolean }> {
    return this.#conflictsAsErrors(`flag ${name}`, () =>
      this.db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('feature_flags').select('version').where('name', '=', name).executeTakeFirst();
        const version = existing?.version ?? 0;
        if (expectedVersion !== undefined && expectedVersion !== version) throw new VersionConflictError(`flag ${name}`, expectedVersion, version);
        const row = { name, definition_json: JSON.stringify(rules), version: version + 1, updated_at: meta.at, author: meta.author };
        if (existing) {
          // Guarded by the version read above: a concurrent writer that got there first leaves nothing to update.
          const result = await trx.updateTable('feature_flags').set(row).where('name', '=', name).where('version', '=', version).executeTakeFirst();
          if (Number(result.numUpdatedRows) !== 1) throw new VersionConflictError(`flag ${name}`, undefined, undefined);
        } else {
          await trx.insertInto('feature_flags').values(row).execute();
        }
        return { flag: toFlag(row), created: !existing };
      }),
    );
  }

  /** Every experiment, by name. */
  async experiments(): Promise<Experiment[]> {
    const rows = await this.db.selectFrom('experiments').selectAll().orderBy('name').execute();
    return rows.map(toExperiment);
  }

  /** One experiment. */
  async experiment(name: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toExperiment(row);
  }

  /** Creates an experiment or changes its description and variants as its next version; assignments stay. */
  async putExperiment(
    definition: Pick<Experiment, 'name' | 'description' | 'variants'>,
    expectedVersion: number | undefined,
    meta: ChangeMeta,
  ): Promise<{ experiment: Experiment; created: boolean }> {
    const { name } = definition;
    return this.#conflictsAsErrors(`experiment ${name}`, () =>
      this.db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
        const version = existing?.version ?? 0;
        if (expectedVersion !== undefined && expectedVersion !== version) throw new VersionConflictError(`experiment ${name}`, expectedVersion, version);
        const row = {
          name,
          description: definition.description,
          variants_json: JSON.stringify(definition.variants),
          version: version + 1,
          created_at: existing?.created_at ?? meta.at,
          updated_at: meta.at,
          author: meta.author,
        };
        if (existing) {
          const result = await trx.updateTable('experiments').set(row).where('name', '=', name).where('version', '=', version).executeTakeFirst();
          if (Number(result.numUpdatedRows) !== 1) throw new VersionConflictError(`experiment ${name}`, undefined, undefined);
        } else {
          await trx.insertInto('experiments').values(row).execute();
        }
        return { experiment: toExperiment(row), created: !existing };
      }),
    );
  }

  /** The user's stored variant of an experiment, if any. */
  async assignment(experiment: string, userId: string): Promise<StoredAssignment | undefined> {
    const row = await this.db
      .selectFrom('experiment_assignments')
      .select(['variant', 'assigned_at'])
      .where('experiment', '=', experiment)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && { variant: row.variant, assignedAt: row.assigned_at };
  }

  /**
   * Stores `variant` as the user's assignment unless one exists, and returns the one that holds: with two replicas
   * answering the first read at once, both return the same variant. `replaceVariant`: an existing assignment to
   * this (removed) variant is replaced.
   */
  async assign(experiment: string, userId: string, variant: string, at: string, replaceVariant?: string): Promise<StoredAssignment & { created: boolean }> {
    if (replaceVariant !== undefined) {
      await this.db
        .updateTable('experiment_assignments')
        .set({ variant, assigned_at: at })
        .where('experiment', '=', experiment)
        .where('user_id', '=', userId)
        .where('variant', '=', replaceVariant)
        .execute();
    } else {
      const result = await this.db
        .insertInto('experiment_assignments')
        .values({ experiment, user_id: userId, variant, assigned_at: at })
        .onConflict((oc) => oc.columns(['experiment', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) return { variant, assignedAt: at, created: true };
    }
    const stored = await this.assignment(experiment, userId);
    if (!stored) throw new Error(`assignment of ${userId} to ${experiment} vanished after being written`);
    return { ...stored, created: stored.variant === variant && stored.assignedAt === at };
  }

  async #conflictsAsErrors<T>(subject: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new VersionConflictError(subject, undefined, undefined);
      throw error;
    }
  }
}

function toEntry(row: Selectable<ConfigurationDb['config_entries']>): ConfigEntry {
  return {
    key: row.key,
    value: JSON.parse(row.value_json) as ConfigEntry['value'],
    version: Number(row.version),
    updatedAt: row.created_at,
    author: row.author,
    ...(row.comment !== null ? { comment: row.comment } : {}),
  };
}

function toFlag(row: Selectable<ConfigurationDb['feature_flags']>): FeatureFlag {
  const rules = JSON.parse(row.definition_json) as FlagRules;
  return { name: row.name, ...rules, version: Number(row.version), updatedAt: row.updated_at, author: row.author };
}

function toExperiment(row: Selectable<ConfigurationDb['experiments']>): Experiment {
  return {
    name: row.name,
    description: row.description,
    variants: JSON.parse(row.variants_json) as Experiment['variants'],
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    author: row.author,
  };
}
