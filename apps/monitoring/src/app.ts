import { databaseHealthCheck, openDatabase } from '@ai-ninja/data';
import { createLogger, createService, type Logger, type Service } from '@ai-ninja/service-kit';
import { AlertEngine } from './domain/alert-engine.js';
import { HealthTracker } from './domain/health-tracker.js';
import { MetricsTracker } from './domain/metrics-tracker.js';
import { Monitor } from './domain/monitor.js';
import { discoverTargets } from './domain/targets.js';
import { WebhookNotifier } from './domain/webhook-notifier.js';
import type { Config } from './config.js';
import { registerRoutes } from './routes/index.js';
import type { AlertStore } from './store/alert.store.js';
import { migrations, SqlAlertStore, type MonitoringDb } from './store/sql-alert.store.js';

/** What monitoring is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
  /** Where rules and alerts are kept; by default the service's database (SQLite in DATA_DIR, or DATABASE_URL). */
  readonly alertStore?: AlertStore;
  readonly now?: () => number;
}

/**
 * monitoring: polls every service's readiness and metrics, raises alerts, assembles traces and serves the
 * dashboard. Opens (and migrates) its database before it returns. No listening, no process.env; the poll loop
 * starts here and stops at shutdown.
 */
export async function createApp(deps: AppDeps): Promise<Service> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger({ service: 'monitoring', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  if (deps.alertStore) return build(deps, deps.alertStore, logger);
  const database = await openDatabase<MonitoringDb>({ service: 'monitoring', config, migrations, logger });
  try {
    const service = build(deps, new SqlAlertStore(database.db, config.MONITORING_RESOLVED_ALERTS_LIMIT), logger);
    // Monitoring keeps watching without its database; only rules and alerts cannot be saved: degraded, not down.
    service.health.register({ ...databaseHealthCheck(database), required: false });
    service.onShutdown('database', () => database.close());
    return service;
  } catch (error) {
    await database.close();
    throw error;
  }
}

function build(deps: AppDeps, alertStore: AlertStore, logger: Logger): Service {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const service = createService({ name: 'monitoring', version: deps.version, config, logger });
  const webhook = config.MONITORING_ALERT_WEBHOOK_URL
    ? new WebhookNotifier({
        url: config.MONITORING_ALERT_WEBHOOK_URL,
        timeoutMs: config.MONITORING_WEBHOOK_TIMEOUT_MS,
        attempts: config.MONITORING_WEBHOOK_ATTEMPTS,
        backoffMs: config.MONITORING_WEBHOOK_BACKOFF_MS,
        maxInFlight: 100,
        logger: service.logger,
      })
    : undefined;
  const alerts = new AlertEngine(alertStore, (event) => {
    service.logger[event.event === 'alert.fired' ? 'warn' : 'info'](
      { alertId: event.alert.id, rule: event.rule.name, watched: event.alert.service, value: event.alert.value },
      event.event === 'alert.fired' ? `ALERT firing: ${event.alert.message}` : `alert resolved: ${event.rule.name} on ${event.alert.service}`,
    );
    webhook?.send(event);
  });
  const monitor = new Monitor({
    targets: discoverTargets(service, config.MONITORING_POLL_TIMEOUT_MS),
    health: new HealthTracker(config.MONITORING_HISTORY_LIMIT),
    metrics: new MetricsTracker({ seriesWindowMs: config.MONITORING_SERIES_WINDOW_MS, rateWindowMs: config.MONITORING_RATE_WINDOW_MS }),
    alerts,
    intervalMs: config.MONITORING_POLL_INTERVAL_MS,
    logger: service.logger,
    now,
  });

  registerRoutes(service, {
    monitor,
    alerts,
    pollIntervalMs: config.MONITORING_POLL_INTERVAL_MS,
    rateWindowMs: config.MONITORING_RATE_WINDOW_MS,
    seriesWindowMs: config.MONITORING_SERIES_WINDOW_MS,
    webhookConfigured: webhook !== undefined,
    now,
  });

  monitor.start();
  // Disposers run in reverse: the loop stops first, then pending webhook deliveries finish.
  if (webhook) service.onShutdown('alert webhook', () => webhook.close());
  service.onShutdown('poll loop', () => monitor.stop());
  return service;
}
