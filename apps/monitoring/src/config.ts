import { z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { envInt, serviceConfigSchema } from '@ai-ninja/service-kit';

/**
 * monitoring's environment: the kit's variables (PORT defaults to the catalog's 3009; the discovery variables say
 * where each service's replicas are), the database's, and its own, each documented in apps/monitoring/README.md.
 */
export const configSchema = serviceConfigSchema('monitoring').extend({
  /** Where alert rules and alerts are kept: DATA_DIR (SQLite, default), or DATABASE_URL (PostgreSQL). */
  ...databaseConfigShape,
  /** How often every replica's /health/ready and /metrics are read. */
  MONITORING_POLL_INTERVAL_MS: envInt(50, 600_000).default(2000),
  /** One poll's time limit per replica; a replica slower than this counts as down for that poll. */
  MONITORING_POLL_TIMEOUT_MS: envInt(10, 60_000).default(1500),
  /** The span that current rates, error ratios, percentiles (and alert rules on them) are computed over. */
  MONITORING_RATE_WINDOW_MS: envInt(1000, 3_600_000).default(30_000),
  /** How much of each service's metrics time series is kept. */
  MONITORING_SERIES_WINDOW_MS: envInt(10_000, 86_400_000).default(600_000),
  /** Status transitions kept per service. */
  MONITORING_HISTORY_LIMIT: envInt(1, 100_000).default(200),
  /** Resolved alerts kept (firing ones are always kept). */
  MONITORING_RESOLVED_ALERTS_LIMIT: envInt(1, 100_000).default(500),
  /** Where each alert fire and resolve is POSTed as JSON; unset: alerts are only listed. */
  MONITORING_ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  MONITORING_WEBHOOK_TIMEOUT_MS: envInt(100, 60_000).default(5000),
  /** Delivery attempts per event, the first included. */
  MONITORING_WEBHOOK_ATTEMPTS: envInt(1, 10).default(4),
  /** Pause before the n-th retry: n times this. */
  MONITORING_WEBHOOK_BACKOFF_MS: envInt(0, 60_000).default(1000),
});

/** monitoring's validated configuration. */
export type Config = z.output<typeof configSchema>;
