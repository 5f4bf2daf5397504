import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigEntrySchema,
  FeatureFlagSchema,
  GetServiceConfigEndpoint,
  ListFeatureFlagsEndpoint,
  z,
  type ConfigEntry,
  type FeatureFlag,
  type FlagEvaluation,
  type ServiceName,
} from '@ai-ninja/contracts';
import type { CheckOutcome, HealthRegistry } from '@ai-ninja/health';
import type { ServiceClient } from '@ai-ninja/service-client';
import { readFileIfExists, writeFileAtomic } from './disk-cache.js';
import { compileFlag, evaluateFlags, type CompiledFlag } from './evaluation.js';

/** Options of {@link createConfigClient}. */
export interface ConfigClientOptions {
  /** Whose configuration: the service's own keys, over the `global` ones. */
  readonly service: ServiceName;
  /** The service's client (`service.createClient()`): discovery, breaker, retries, and the service's credential. */
  readonly client: ServiceClient;
  /** Where the last known good values are kept (the service's DATA_DIR); without it they live in memory only. */
  readonly cacheDir?: string;
  /** How often to refresh in the background, ms. Default 30000. */
  readonly refreshMs?: number;
  /** How soon to try again after a failed refresh, ms. Default the smaller of `refreshMs` and 5000. */
  readonly retryMs?: number;
  /** Deadline of one refresh call, ms. Default 2000. */
  readonly timeoutMs?: number;
  /** The service's logger (`service.logger`); the client logs when configuration goes away and comes back. */
  readonly logger?: ConfigClientLogger;
  /** When given, the client reports its state there as the optional check `configuration`. */
  readonly health?: Pick<HealthRegistry, 'register'>;
}

/** What the client logs with: a pino logger fits. */
export interface ConfigClientLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** Where the values being served come from. */
export type ConfigSource = 'configuration' | 'disk' | 'none';

/** The client's state, as its health check reports it. */
export interface ConfigClientState {
  /** `configuration`: fetched by this process; `disk`: last known good from a previous run; `none`: defaults only. */
  readonly source: ConfigSource;
  /** When configuration last answered (for the values being served). */
  readonly fetchedAt?: string;
  /** True when the latest refresh succeeded. */
  readonly fresh: boolean;
  /** Why the latest refresh failed. */
  readonly lastError?: string;
  readonly failingSince?: string;
}

/** What a change listener receives: the key's new value (undefined once removed) and its previous one. */
export type ChangeListener = (value: unknown, previous: unknown) => void;

/** How long a health check waits for the refresh it starts; below the registry's 1 s check timeout. */
const HEALTH_REFRESH_WAIT_MS = 700;

const SnapshotSchema = z.object({
  format: z.literal(1),
  service: z.string(),
  fetchedAt: z.iso.datetime(),
  values: z.object({ service: z.record(z.string(), ConfigEntrySchema), global: z.record(z.string(), ConfigEntrySchema) }),
  flags: z.array(FeatureFlagSchema),
});
type Snapshot = z.infer<typeof SnapshotSchema>;

/**
 * A service's view of its configuration and feature flags, served from memory. It refreshes in the background;
 * while configuration is unreachable it keeps serving the last known good values, which it also keeps on disk so
 * that a restart during an outage still starts with them. Flags are evaluated here, with the same rules and hash
 * as configuration's own evaluation, so they answer without a call per user.
 */
export class ConfigClient {
  readonly #options: ConfigClientOptions;
  readonly #file: string | undefined;
  readonly #listeners = new Map<string, Set<ChangeListener>>();
  readonly #parsed = new Map<string, { entry: ConfigEntry; schema: z.ZodType; value: unknown }>();
  readonly #invalidWarned = new Set<string>();
  #snapshot: Snapshot | undefined;
  #effective = new Map<string, ConfigEntry>();
  #flags: CompiledFlag[] = [];
  #source: ConfigSource = 'none';
  #fresh = false;
  #lastError: string | undefined;
  #failingSince: string | undefined;
  #refreshing: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;
  #firstRefresh: Promise<boolean> | undefined;

  constructor(options: ConfigClientOptions) {
    this.#options = options;
    this.#file = options.cacheDir ? join(options.cacheDir, `config-cache.${options.service}.json`) : undefined;
    options.health?.register({
      name: 'configuration',
      required: false,
      componentType: 'component',
      // Answered from this client's state (a refresh at most): no reason to serve an older answer.
      cacheMs: 0,
      check: async () => {
        // Stale values: try once more now, so the answer says how things are rather than how they were at the last
        // refresh (a service that started before configuration reports pass as soon as configuration answers).
        if (!this.#fresh && this.#started && !this.#closed) await Promise.race([this.refresh(), sleep(HEALTH_REFRESH_WAIT_MS, undefined, { ref: false })]);
        return this.#healthOutcome();
      },
    });
  }

  /**
   * Loads the last known good values from disk (synchronously, so they serve at once), starts the first refresh and
   * the background timer. Idempotent.
   */
  start(): this {
    if (this.#started || this.#closed) return this;
    this.#started = true;
    this.#loadFromDisk();
    this.#firstRefresh = this.#tick();
    return this;
  }

  /** Refreshes, then schedules the next refresh: `refreshMs` after a success, `retryMs` after a failure. */
  #tick(): Promise<boolean> {
    const refreshed = this.refresh();
    void refreshed.then((ok) => {
      if (this.#closed) return;
      const refreshMs = this.#options.refreshMs ?? 30_000;
      this.#timer = setTimeout(() => void this.#tick(), ok ? refreshMs : (this.#options.retryMs ?? Math.min(refreshMs, 5000)));
      this.#timer.unref();
    });
    return refreshed;
  }

  /** Resolves once the first refresh has finished, whether configuration answered (true) or not (false). */
  ready(): Promise<boolean> {
    return this.#firstRefresh ?? Promise.resolve(false);
  }

  /**
   * The value of `key` (the service's own, else the `global` one) parsed with `schema`; `fallback` when there is
   * none or when it does not fit the schema (said once in the log per key and version).
   */
  get<S extends z.ZodType>(key: string, schema: S, fallback: z.output<S>): z.output<S> {
    const entry = this.#effective.get(key);
    if (!entry) return fallback;
    const cached = this.#parsed.get(key);
    if (cached && cached.entry === entry && cached.schema === schema) return cached.value as z.output<S>;
    const result = schema.safeParse(entry.value);
    if (!result.success) {
      const warning = `${key}@${entry.version}`;
      if (!this.#invalidWarned.has(warning)) {
        this.#invalidWarned.add(warning);
        this.#options.logger?.warn({ key, version: entry.version, issues: result.error.issues }, 'configuration value does not fit its schema: using the default');
      }
      return fallback;
    }
    this.#parsed.set(key, { entry, schema, value: result.data });
    return result.data;
  }

  /** Every flag for `userId`: on or off. */
  flags(userId: string): Record<string, boolean> {
    return evaluateFlags(this.#flags, userId).flags;
  }

  /** Every flag for `userId`, with the reasons. */
  evaluate(userId: string): FlagEvaluation {
    return evaluateFlags(this.#flags, userId);
  }

  /** One flag for `userId`; `fallback` when the flag is not defined. */
  flag(name: string, userId: string, fallback = false): boolean {
    const evaluation = evaluateFlags(
      this.#flags.filter((flag) => flag.name === name),
      userId,
    );
    return evaluation.flags[name] ?? fallback;
  }

  /** Calls `listener` whenever `key`'s value changes after a refresh; returns the function that stops it. */
  onChange(key: string, listener: ChangeListener): () => void {
    let listeners = this.#listeners.get(key);
    if (!listeners) this.#listeners.set(key, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** The client's state: where its values come from and whether the latest refresh worked. */
  state(): ConfigClientState {
    return {
      source: this.#source,
      fresh: this.#fresh,
      ...(this.#snapshot ? { fetchedAt: this.#snapshot.fetchedAt } : {}),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      ...(this.#failingSince ? { failingSince: this.#failingSince } : {}),
    };
  }

  /**
   * Fetches the service's keys, the global keys and the flags now. True when configuration answered; false when
   * it did not (the last known good values stay). Never throws. Concurrent calls share one refresh.
   */
  refresh(): Promise<boolean> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Stops the background refresh. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #refresh(): Promise<boolean> {
    const { client, service } = this.#options;
    const options = { timeout: this.#options.timeoutMs ?? 2000 };
    let snapshot: Snapshot;
    try {
      const [own, global, flags] = await Promise.all([
        client.call(GetServiceConfigEndpoint, { params: { service } }, options),
        client.call(GetServiceConfigEndpoint, { params: { service: 'global' } }, options),
        client.call(ListFeatureFlagsEndpoint, {}, options),
      ]);
      snapshot = { format: 1, service, fetchedAt: new Date().toISOString(), values: { service: own.values, global: global.values }, flags: flags.flags };
    } catch (error) {
      if (this.#closed) return false;
      const message = error instanceof Error ? error.message : String(error);
      if (this.#failingSince === undefined) {
        this.#options.logger?.warn(
          { err: error, source: this.#source, fetchedAt: this.#snapshot?.fetchedAt },
          this.#snapshot ? 'configuration unreachable: serving the last known good values' : 'configuration unreachable and nothing cached: serving built-in defaults',
        );
        this.#failingSince = new Date().toISOString();
      }
      this.#fresh = false;
      this.#lastError = message;
      return false;
    }
    if (this.#closed) return false;
    if (this.#failingSince !== undefined) this.#options.logger?.info({ failingSince: this.#failingSince }, 'configuration reachable again: values refreshed');
    this.#fresh = true;
    this.#lastError = undefined;
    this.#failingSince = undefined;
    const changed = !this.#snapshot || !sameContent(this.#snapshot, snapshot);
    this.#apply(snapshot, 'configuration');
    if (changed) await this.#saveToDisk(snapshot);
    return true;
  }

  #apply(snapshot: Snapshot, source: ConfigSource): void {
    const previous = this.#effective;
    const effective = new Map<string, ConfigEntry>(Object.entries(snapshot.values.global));
    for (const [key, entry] of Object.entries(snapshot.values.service)) effective.set(key, entry);
    this.#snapshot = snapshot;
    this.#effective = effective;
    this.#flags = snapshot.flags.map((flag: FeatureFlag) => compileFlag(flag));
    this.#source = source;
    for (const [key, listeners] of this.#listeners) {
      const before = previous.get(key)?.value;
      const after = effective.get(key)?.value;
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      for (const listener of listeners) {
        try {
          listener(after, before);
        } catch (error) {
          this.#options.logger?.warn({ err: error, key }, 'a configuration change listener threw');
        }
      }
    }
  }

  #loadFromDisk(): void {
    if (!this.#file) return;
    try {
      const text = readFileIfExists(this.#file);
      if (text === undefined) return;
      const snapshot = SnapshotSchema.parse(JSON.parse(text));
      if (snapshot.service !== this.#options.service) throw new Error(`the file holds ${snapshot.service}'s values`);
      this.#apply(snapshot, 'disk');
      this.#options.logger?.info({ file: this.#file, fetchedAt: snapshot.fetchedAt }, 'configuration: last known good values loaded from disk');
    } catch (error) {
      // A damaged cache is only a lost cache: start from the defaults and let the next refresh write a good one.
      this.#options.logger?.warn({ err: error, file: this.#file }, 'configuration cache on disk is unreadable: ignoring it');
    }
  }

  async #saveToDisk(snapshot: Snapshot): Promise<void> {
    if (!this.#file) return;
    try {
      await writeFileAtomic(this.#file, JSON.stringify(snapshot));
    } catch (error) {
      this.#options.logger?.warn({ err: error, file: this.#file }, 'could not keep the configuration values on disk');
    }
  }

  #healthOutcome(): CheckOutcome {
    if (this.#fresh) return { status: 'pass' };
    const since = this.#failingSince ? ` since ${this.#failingSince}` : '';
    const why = this.#lastError ? ` (${this.#lastError})` : ' (not refreshed yet)';
    const serving =
      this.#source === 'none'
        ? 'serving built-in defaults'
        : `serving last known good values fetched at ${this.#snapshot!.fetchedAt}${this.#source === 'disk' ? ', from disk' : ''}`;
    return { status: 'warn', output: `configuration unreachable${since}${why}: ${serving}` };
  }
}

function sameContent(a: Snapshot, b: Snapshot): boolean {
  return JSON.stringify({ values: a.values, flags: a.flags }) === JSON.stringify({ values: b.values, flags: b.flags });
}

/** Makes a {@link ConfigClient} and starts it: last known good values from disk at once, then background refreshes. */
export function createConfigClient(options: ConfigClientOptions): ConfigClient {
  return new ConfigClient(options).start();
}
