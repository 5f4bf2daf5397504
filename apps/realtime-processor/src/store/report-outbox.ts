import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConversationEndedRequest } from '@ai-ninja/contracts';
import { listFiles, readJson, removeFiles, timeOrderedKey, writeJsonDurably } from './durable-file.js';

/** A conversation-ended report waiting for phone-gateway. */
export interface PendingReport {
  readonly key: string;
  readonly callId: string;
  /**
   * One per call, so phone-gateway applies the report once however often it is sent; renewed only after a refusal
   * that applied nothing (a 409 or 429 is kept and replayed for its key, so a retry needs a new one).
   */
  readonly idempotencyKey: string;
  /** How many times the key was renewed. */
  readonly renewals?: number;
  readonly body: ConversationEndedRequest;
  readonly createdAt: string;
}

const SUFFIX = '.json';
const REJECTED = 'rejected';

/** The idempotency key of a call's report. */
export const reportIdempotencyKey = (callId: string): string => `conversation-ended:${callId}`;

/**
 * Reports of ended calls not yet delivered to phone-gateway, one fsynced file each under `dir`: written before the
 * first delivery attempt, deleted once phone-gateway accepted the report, so a report outlives an outage of
 * phone-gateway and a restart of this service. A report phone-gateway refuses for good moves to `dir/rejected/`.
 */
export class ReportOutbox {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.dir, REJECTED), { recursive: true });
  }

  /** Keeps a report durably; it is on disk when this resolves. */
  async add(callId: string, body: ConversationEndedRequest): Promise<PendingReport> {
    const report: PendingReport = { key: timeOrderedKey(), callId, idempotencyKey: reportIdempotencyKey(callId), body, createdAt: new Date().toISOString() };
    await writeJsonDurably(join(this.dir, report.key + SUFFIX), report);
    return report;
  }

  /** Reports waiting for delivery, oldest first. */
  async pending(): Promise<PendingReport[]> {
    const reports = await Promise.all((await listFiles(this.dir, SUFFIX)).map((name) => readJson<PendingReport>(join(this.dir, name))));
    return reports.filter((report): report is PendingReport => report !== undefined);
  }

  /** Whether a report of this call is waiting (or was refused): the call's end is already accounted for. */
  async has(callId: string): Promise<boolean> {
    const all = [...(await this.pending()), ...(await this.#rejected())];
    return all.some((report) => report.callId === callId);
  }

  /** A new idempotency key for the next attempt, after a refusal that applied nothing; durable when this resolves. */
  async renewKey(report: PendingReport): Promise<void> {
    const renewals = (report.renewals ?? 0) + 1;
    await writeJsonDurably(join(this.dir, report.key + SUFFIX), { ...report, renewals, idempotencyKey: `${reportIdempotencyKey(report.callId)}:${renewals}` });
  }

  async delivered(key: string): Promise<void> {
    await removeFiles(this.dir, [key + SUFFIX]);
  }

  /** phone-gateway refused the report for good: it moves aside, with why. */
  async reject(report: PendingReport, reason: string): Promise<void> {
    await writeJsonDurably(join(this.dir, REJECTED, report.key + SUFFIX), { ...report, rejectedAt: new Date().toISOString(), reason });
    await removeFiles(this.dir, [report.key + SUFFIX]);
  }

  async counts(): Promise<{ pending: number; rejected: number }> {
    const [pending, rejected] = await Promise.all([listFiles(this.dir, SUFFIX), listFiles(join(this.dir, REJECTED), SUFFIX)]);
    return { pending: pending.length, rejected: rejected.length };
  }

  async #rejected(): Promise<PendingReport[]> {
    const dir = join(this.dir, REJECTED);
    const reports = await Promise.all((await listFiles(dir, SUFFIX)).map((name) => readJson<PendingReport>(join(dir, name))));
    return reports.filter((report): report is PendingReport => report !== undefined);
  }
}
