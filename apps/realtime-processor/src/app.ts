import { join, resolve } from 'node:path';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { CallRecords } from './domain/call-records.service.js';
import { createRealtimeMetrics } from './domain/realtime.metrics.js';
import { TurnResponder } from './domain/turn-responder.js';
import { RealtimeGateway } from './routes/realtime.gateway.js';
import { registerRoutes } from './routes/index.js';
import { CallJournal } from './store/call-journal.js';
import { RecordingSpool } from './store/recording-spool.js';
import { ReportOutbox } from './store/report-outbox.js';

/** What realtime-processor is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
}

// How long the last delivery pass at shutdown may take; what is not delivered by then is on disk for the next start.
const SHUTDOWN_FLUSH_MS = 2000;
const REPORT_TIMEOUT_MS = 5000;

/**
 * realtime-processor: carries the live conversation over WebSocket (transcripts and audio in, AI replies out), and
 * delivers what each call leaves: its report to phone-gateway and its recording to storage. Pure: no listening, no
 * process.env; its folders under DATA_DIR are opened by `listen()`.
 */
export function createApp(deps: AppDeps): Service {
  const { config } = deps;
  const service = createService({ name: 'realtime-processor', config, version: deps.version, ...(deps.logger ? { logger: deps.logger } : {}) });
  const root = resolve(config.DATA_DIR, 'realtime-processor');
  const recordings = new RecordingSpool(join(root, 'recordings'));
  const journal = new CallJournal(join(root, 'calls'));
  const outbox = new ReportOutbox(join(root, 'outbox'));
  const metrics = createRealtimeMetrics(service.metrics.registry);

  const client = service.createClient();
  const uploads = service.createClient({ timeout: config.REALTIME_UPLOAD_TIMEOUT_MS, breaker: { timeout: config.REALTIME_UPLOAD_TIMEOUT_MS } });
  const records = new CallRecords({
    outbox,
    recordings,
    journal,
    client,
    uploads,
    retry: { baseDelayMs: config.REALTIME_DELIVERY_RETRY_MS, maxDelayMs: config.REALTIME_DELIVERY_RETRY_MAX_MS },
    reportTimeoutMs: REPORT_TIMEOUT_MS,
    logger: service.logger,
  });
  const responder = new TurnResponder(client, { deadlineMs: config.REALTIME_TURN_DEADLINE_MS, retries: config.REALTIME_TURN_RETRIES }, service.logger);
  const gateway = new RealtimeGateway({ service, config, responder, recordings, journal, metrics, onCallEnd: (summary) => records.keep(summary) });
  registerRoutes(service);

  service.health.register({
    name: 'delivery-backlog',
    required: false,
    componentType: 'component',
    check: async () => {
      const backlog = await records.backlog();
      const waiting = backlog.reports + backlog.recordings;
      if (waiting + backlog.refused === 0) return { output: 'every report and recording is delivered', observedValue: 0, observedUnit: 'items' };
      return {
        status: 'warn',
        output: `${backlog.recordings} recording(s) waiting for storage, ${backlog.reports} report(s) waiting for phone-gateway, ${backlog.refused} refused for good (kept under ${root})`,
        observedValue: waiting + backlog.refused,
        observedUnit: 'items',
      };
    },
  });

  service.onDrain('live calls', async () => {
    await gateway.drain(config.REALTIME_SHUTDOWN_GRACE_MS);
    await Promise.race([records.flush(), new Promise((done) => setTimeout(done, SHUTDOWN_FLUSH_MS).unref())]);
  });
  service.onShutdown('delivery loops', () => records.stop());

  let opened: Promise<void> | undefined;
  return {
    ...service,
    async listen(overrides) {
      opened ??= records.open();
      await opened;
      return service.listen(overrides);
    },
  };
}
