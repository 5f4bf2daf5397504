import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ConversationEndedEndpoint, UploadRecordingEndpoint } from '@ai-ninja/contracts';
import { MalformedResponseError, UpstreamHttpError, type ServiceClient } from '@ai-ninja/service-client';
import type { Logger } from '@ai-ninja/service-kit';
import type { CallJournal } from '../store/call-journal.js';
import type { RecordingMeta, RecordingSpool } from '../store/recording-spool.js';
import type { PendingReport, ReportOutbox } from '../store/report-outbox.js';
import type { CallSummary } from './call-session.js';
import { DeliveryLoop, type DeliveryOutcome } from './delivery-loop.js';

/** What {@link CallRecords} is built from. */
export interface CallRecordsDeps {
  readonly outbox: ReportOutbox;
  readonly recordings: RecordingSpool;
  readonly journal: CallJournal;
  /** Reaches phone-gateway. */
  readonly client: ServiceClient;
  /** Reaches storage, with the upload deadline. */
  readonly uploads: ServiceClient;
  readonly retry: { readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly reportTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * Statuses that say "not now" rather than "never", so the item is sent again: auth being configured, rate limits,
 * and conflicts (phone-gateway's `CALL_CHANGED` "report again", an idempotency key still in use).
 */
const TRANSIENT_STATUSES = new Set([401, 403, 408, 409, 425, 429]);

/**
 * What outlives a call: its conversation-ended report for phone-gateway and its recording for storage. Both are on
 * local disk before anything is sent, are sent in the background until the other side confirms, and are deleted
 * only then, across outages and restarts. What the other side refuses for good is moved aside, never dropped.
 */
export class CallRecords {
  readonly #deps: CallRecordsDeps;
  readonly reports: DeliveryLoop<PendingReport>;
  readonly shipper: DeliveryLoop<RecordingMeta>;

  constructor(deps: CallRecordsDeps) {
    this.#deps = deps;
    this.reports = new DeliveryLoop({ name: 'conversation-ended reports', list: () => deps.outbox.pending(), deliver: (report) => this.#deliverReport(report), ...deps.retry, logger: deps.logger });
    this.shipper = new DeliveryLoop({ name: 'recordings', list: () => deps.recordings.pending(), deliver: (meta) => this.#ship(meta), ...deps.retry, logger: deps.logger });
  }

  /**
   * At start, before calls are accepted: makes the folders, finishes the recordings and reports of calls the last
   * process stopped during, then starts delivering what waits.
   */
  async open(): Promise<void> {
    const { outbox, recordings, journal, logger } = this.#deps;
    await Promise.all([outbox.init(), recordings.init(), journal.init()]);
    const recovered = await recordings.recover();
    if (recovered.length > 0) logger.warn({ recordings: recovered.map((r) => ({ callId: r.callId, bytes: r.bytes })) }, 'recovered recordings of calls interrupted by the last stop');
    for (const call of await journal.interrupted()) {
      if (!(await outbox.has(call.callId))) {
        await outbox.add(call.callId, { reason: 'connection_lost', turns: call.turns.slice(-500), audioChunks: call.audioChunks });
        logger.warn({ callId: call.callId, turns: call.turns.length }, 'a call was interrupted by the last stop: reporting it as connection_lost');
      }
      await journal.remove(call.key);
    }
    const [reports, waiting] = await Promise.all([outbox.counts(), recordings.counts()]);
    if (reports.pending + waiting.pending > 0) logger.info({ reports: reports.pending, recordings: waiting.pending }, 'delivering what the last run left undelivered');
    this.reports.start();
    this.shipper.start();
  }

  /** A call ended: its report goes to the outbox (durably), its journal goes, and delivery starts at once. */
  async keep(summary: CallSummary): Promise<void> {
    await this.#deps.outbox.add(summary.callId, summary.report);
    await summary.journal.settled();
    await this.#deps.journal.remove(summary.journal.key);
    void this.reports.kick();
    if (summary.recording) void this.shipper.kick();
  }

  /** One more delivery pass of each kind now (at shutdown), resolved when both are done. */
  async flush(): Promise<void> {
    await Promise.all([this.reports.kick(), this.shipper.kick()]);
  }

  stop(): void {
    this.reports.stop();
    this.shipper.stop();
  }

  /** How many reports and recordings wait, and how many were refused for good. */
  async backlog(): Promise<{ reports: number; recordings: number; refused: number }> {
    const [reports, recordings] = await Promise.all([this.#deps.outbox.counts(), this.#deps.recordings.counts()]);
    return { reports: reports.pending, recordings: recordings.pending, refused: reports.rejected + recordings.rejected };
  }

  async #deliverReport(report: PendingReport): Promise<DeliveryOutcome> {
    const { client, outbox, logger, reportTimeoutMs } = this.#deps;
    try {
      await client.call(ConversationEndedEndpoint, { params: { callId: report.callId }, body: report.body }, { idempotencyKey: report.idempotencyKey, timeout: reportTimeoutMs });
    } catch (error) {
      // A success status with an unexpected body: phone-gateway took the report; the mismatch is for the log only.
      if (error instanceof MalformedResponseError) logger.warn({ err: error, callId: report.callId }, 'phone-gateway took the report but its answer does not match the contract');
      else if (isFinalRefusal(error)) {
        logger.error({ err: error, callId: report.callId }, 'phone-gateway refused the conversation-ended report for good: kept aside in the outbox’s rejected folder');
        await outbox.reject(report, describe(error));
        return 'rejected';
      } else {
        // A 4xx applied nothing, and phone-gateway replays it for the same key: the next attempt takes a new key.
        if (error instanceof UpstreamHttpError && error.upstreamStatus < 500) await outbox.renewKey(report);
        logger.info({ callId: report.callId, code: codeOf(error) }, 'phone-gateway did not take the conversation-ended report: kept for a retry');
        return 'retry';
      }
    }
    await outbox.delivered(report.key);
    logger.info({ callId: report.callId, reason: report.body.reason, turns: report.body.turns.length }, 'conversation-ended report delivered to phone-gateway');
    return 'delivered';
  }

  async #ship(meta: RecordingMeta): Promise<DeliveryOutcome> {
    const { uploads, recordings, logger } = this.#deps;
    const path = recordings.audioPath(meta.key);
    const size = await stat(path).then(
      (info) => info.size,
      () => 0,
    );
    if (size === 0) {
      // Nothing was written before the process stopped: there is no audio to keep.
      logger.warn({ callId: meta.callId, key: meta.key }, 'a recording has no bytes: nothing to ship, removing its entry');
      await recordings.shipped(meta.key);
      return 'delivered';
    }
    const durationMs = meta.endedAt ? Math.max(0, Date.parse(meta.endedAt) - Date.parse(meta.startedAt)) : undefined;
    let recordingId: string | undefined;
    try {
      const stored = await uploads.call(
        UploadRecordingEndpoint,
        { query: { callId: meta.callId, userId: meta.userId, ...(durationMs === undefined ? {} : { durationMs }) } },
        { rawBody: { contentType: meta.contentType, data: () => createReadStream(path), length: size }, idempotencyKey: `recording:${meta.key}` },
      );
      recordingId = stored.id;
    } catch (error) {
      // A 201 with an unexpected body: storage has the recording.
      if (error instanceof MalformedResponseError) logger.warn({ err: error, callId: meta.callId }, 'storage took the recording but its answer does not match the contract');
      else if (isFinalRefusal(error)) {
        logger.error({ err: error, callId: meta.callId, key: meta.key }, 'storage refused the recording for good: kept aside in the spool’s rejected folder');
        await recordings.reject(meta, describe(error));
        return 'rejected';
      } else {
        logger.info({ callId: meta.callId, code: codeOf(error) }, 'storage did not take the recording: kept on local disk for a retry');
        return 'retry';
      }
    }
    await recordings.shipped(meta.key);
    logger.info({ callId: meta.callId, recordingId, bytes: size }, 'recording shipped to storage');
    return 'delivered';
  }
}

/** A 4xx that sending again cannot change (400, 404, 413, 415, 422…). */
function isFinalRefusal(error: unknown): boolean {
  return error instanceof UpstreamHttpError && error.upstreamStatus >= 400 && error.upstreamStatus < 500 && !TRANSIENT_STATUSES.has(error.upstreamStatus);
}

function codeOf(error: unknown): string | undefined {
  return error instanceof UpstreamHttpError ? `${error.upstreamStatus} ${error.envelope?.error.code ?? ''}`.trim() : (error as { code?: string }).code;
}

function describe(error: unknown): string {
  if (error instanceof UpstreamHttpError) return `HTTP ${error.upstreamStatus} ${error.envelope?.error.code ?? ''}: ${error.envelope?.error.message ?? error.message}`.trim();
  return error instanceof Error ? error.message : String(error);
}
