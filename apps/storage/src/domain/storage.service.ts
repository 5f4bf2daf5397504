import { randomUUID } from 'node:crypto';
import { finished, type Readable } from 'node:stream';
import { COMMON_ERROR_CODES } from '@ai-ninja/contracts';
import { AppError, type Logger } from '@ai-ninja/service-kit';
import { BlobNotFoundError, type BlobDriver, type BlobInfo, type ByteRange, type PutResult } from '../store/blob-driver.js';
import type { ListPosition, Recording, RecordingFilter, RecordingStore } from '../store/recording.store.js';
import { ByteLimit } from './upload-limit.js';

/** Error codes of storage's API. */
export const STORAGE_ERROR_CODES = {
  recordingNotFound: 'RECORDING_NOT_FOUND',
  blobMissing: 'RECORDING_BLOB_MISSING',
  emptyUpload: 'EMPTY_UPLOAD',
  uploadInterrupted: 'UPLOAD_INTERRUPTED',
  rangeNotSatisfiable: 'RANGE_NOT_SATISFIABLE',
  userIdRequired: 'USER_ID_REQUIRED',
  invalidCursor: 'INVALID_CURSOR',
} as const;

/** Key folders: live recordings, and archived ones (a folder on disk, a prefix in S3). */
export const ACTIVE_PREFIX = 'audio/';
export const ARCHIVE_PREFIX = 'archive/';

/** Reports list at most this many entries each; their counts are always complete. */
export const REPORT_LIMIT = 1000;
const BATCH = 200;

/** What an upload is about, besides its bytes. */
export interface UploadRequest {
  readonly body: Readable;
  readonly contentType: string;
  readonly userId: string;
  readonly callId: string | undefined;
  readonly durationMs: number | undefined;
  readonly uploadedBy: string;
}

/** A part of a report: how many, and the first {@link REPORT_LIMIT} of them. */
export interface ReportList<T> {
  readonly count: number;
  readonly items: T[];
  readonly truncated: boolean;
}

/** What an archive run moved. */
export interface ArchiveReport {
  readonly moved: ReportList<{ id: string; from: string; to: string }>;
  readonly failed: ReportList<{ id: string; reason: string }>;
}

/** What a cleanup run removed (or, with dryRun, would remove). */
export interface CleanupReport {
  readonly dryRun: boolean;
  readonly retentionDays: number;
  /** Recordings created before this were expired. */
  readonly cutoff: string;
  readonly expired: ReportList<{ id: string; userId: string; callId: string | null; createdAt: string; size: number; archived: boolean }>;
  /** Blobs no recording points to (older than the grace period). */
  readonly orphanBlobs: ReportList<{ key: string; size: number; modifiedAt: string }>;
  /** Recordings whose blob is gone (older than the grace period): their metadata is removed. */
  readonly orphanMetadata: ReportList<{ id: string; userId: string; blobKey: string }>;
  /** Recordings whose blob was found under the other folder (an archive run cut short): pointed at it. */
  readonly repaired: ReportList<{ id: string; blobKey: string }>;
  /** Leftovers of writes interrupted by a crash (temp files). */
  readonly incomplete: ReportList<string>;
  readonly freedBytes: number;
}

/** What {@link StorageService} works with. */
export interface StorageServiceDeps {
  readonly blobs: BlobDriver;
  readonly recordings: RecordingStore;
  readonly maxUploadBytes: number;
  readonly retentionDays: number;
  readonly orphanGraceMs: number;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * Recordings: their bytes in a blob driver, their metadata in the database. Bytes go first and metadata second, so a
 * recording that can be listed always has its bytes; what a crash leaves between the two is an orphan blob, which
 * cleanup removes.
 */
export class StorageService {
  constructor(private readonly deps: StorageServiceDeps) {}

  /** Streams `body` into the blob store and records it; nothing remains when it fails, is too big or is cut off. */
  async upload(request: UploadRequest): Promise<Recording> {
    const { blobs, recordings, maxUploadBytes, logger } = this.deps;
    const id = randomUUID();
    const blobKey = keyOf(ACTIVE_PREFIX, id);
    const limit = new ByteLimit(maxUploadBytes);
    let interrupted = false;
    // The request is piped, not handed to a pipeline: destroying it on a 413 would cut the socket before the answer.
    const stopWatching = finished(request.body, (error) => {
      if (!error) return;
      interrupted = true;
      limit.destroy(error);
    });
    request.body.pipe(limit);
    let stored: PutResult;
    try {
      stored = await blobs.put(blobKey, limit, { contentType: request.contentType });
    } catch (error) {
      request.body.unpipe(limit);
      if (limit.exceeded) {
        logger.warn({ recordingId: id, limit: maxUploadBytes }, 'upload refused: larger than the limit; nothing kept');
        // The rest of the body is not read: the connection closes after the answer.
        throw new AppError(413, COMMON_ERROR_CODES.payloadTooLarge, `The upload is larger than ${maxUploadBytes} bytes (STORAGE_MAX_UPLOAD_BYTES)`, { limit: maxUploadBytes }, { Connection: 'close' });
      }
      if (interrupted) {
        logger.warn({ recordingId: id }, 'upload interrupted by the client; nothing kept');
        throw new AppError(400, STORAGE_ERROR_CODES.uploadInterrupted, 'The upload was cut off before its end; nothing was stored');
      }
      throw error;
    } finally {
      stopWatching();
    }
    if (stored.size === 0) {
      await blobs.delete(blobKey);
      throw new AppError(400, STORAGE_ERROR_CODES.emptyUpload, 'The upload has no bytes');
    }
    const recording: Recording = {
      id,
      userId: request.userId,
      callId: request.callId ?? null,
      contentType: request.contentType,
      size: stored.size,
      sha256: stored.sha256,
      durationMs: request.durationMs ?? null,
      blobKey,
      uploadedBy: request.uploadedBy,
      createdAt: this.deps.now().toISOString(),
      archivedAt: null,
    };
    try {
      await recordings.insert(recording);
    } catch (error) {
      await blobs.delete(blobKey).catch((cleanupError: unknown) => logger.error({ err: cleanupError, blobKey }, 'could not remove the blob of a failed upload; cleanup will'));
      throw error;
    }
    logger.info({ recordingId: id, userId: recording.userId, callId: recording.callId, size: stored.size, contentType: recording.contentType }, 'recording stored');
    return recording;
  }

  /** The recording's metadata, or 404. */
  async find(id: string): Promise<Recording> {
    const recording = await this.deps.recordings.get(id);
    if (!recording) throw new AppError(404, STORAGE_ERROR_CODES.recordingNotFound, `No recording ${id}`);
    return recording;
  }

  /** The recording's bytes (or a range of them); 404 when its blob has gone missing. */
  async open(recording: Recording, range?: ByteRange): Promise<Readable> {
    try {
      return await this.deps.blobs.get(recording.blobKey, range);
    } catch (error) {
      if (!(error instanceof BlobNotFoundError)) throw error;
      this.deps.logger.error({ recordingId: recording.id, blobKey: recording.blobKey }, 'recording has metadata but no blob; cleanup removes such metadata');
      throw new AppError(404, STORAGE_ERROR_CODES.blobMissing, `The bytes of recording ${recording.id} are missing`);
    }
  }

  /** A page of recordings, newest first, and the cursor of the next page (null on the last one). */
  async list(filter: RecordingFilter, limit: number, cursor: string | undefined): Promise<{ items: Recording[]; nextCursor: string | null }> {
    const rows = await this.deps.recordings.list(filter, limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  /** Moves the matching live recordings' blobs into the archive, and says which moved. */
  async archive(filter: Pick<RecordingFilter, 'userId' | 'callId' | 'createdBefore'>): Promise<ArchiveReport> {
    const { blobs, recordings, logger } = this.deps;
    const moved = reportList<{ id: string; from: string; to: string }>();
    const failed = reportList<{ id: string; reason: string }>();
    const archivedAt = this.deps.now().toISOString();
    for await (const recording of this.#each({ ...filter, archived: false })) {
      const to = keyOf(ARCHIVE_PREFIX, recording.id);
      try {
        await blobs.move(recording.blobKey, to);
        await recordings.markArchived(recording.id, to, archivedAt);
        add(moved, { id: recording.id, from: recording.blobKey, to });
      } catch (error) {
        const reason = error instanceof BlobNotFoundError ? 'blob missing' : error instanceof Error ? error.message : String(error);
        logger.error({ err: error, recordingId: recording.id }, 'could not archive a recording');
        add(failed, { id: recording.id, reason });
      }
    }
    logger.info({ filter, moved: moved.count, failed: failed.count }, 'archive run finished');
    return { moved: done(moved), failed: done(failed) };
  }

  /**
   * The retention policy: removes recordings (live or archived) older than `retentionDays`, blobs without metadata,
   * metadata without blobs, and leftovers of interrupted writes. With `dryRun` it only reports.
   */
  async cleanup(options: { retentionDays?: number | undefined; dryRun: boolean }): Promise<CleanupReport> {
    const { blobs, recordings, logger } = this.deps;
    const { dryRun } = options;
    const retentionDays = options.retentionDays ?? this.deps.retentionDays;
    const now = this.deps.now();
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    const graceEnd = new Date(now.getTime() - this.deps.orphanGraceMs);
    let freedBytes = 0;

    const expired = reportList<CleanupReport['expired']['items'][number]>();
    const expiredIds = new Set<string>();
    for await (const recording of this.#each({ createdBefore: cutoff })) {
      expiredIds.add(recording.id);
      if (!dryRun) {
        // Metadata first: no one is handed a recording whose bytes are being deleted.
        await recordings.delete(recording.id);
        await blobs.delete(recording.blobKey).catch((error: unknown) => logger.error({ err: error, blobKey: recording.blobKey }, 'could not delete an expired blob; it will show as an orphan'));
      }
      freedBytes += recording.size;
      add(expired, { id: recording.id, userId: recording.userId, callId: recording.callId, createdAt: recording.createdAt, size: recording.size, archived: recording.archivedAt !== null });
    }

    // Orphans: every blob by key, checked off against every row.
    const unclaimed = new Map<string, BlobInfo>();
    for (const prefix of [ACTIVE_PREFIX, ARCHIVE_PREFIX]) {
      for await (const blob of blobs.list(prefix)) unclaimed.set(blob.key, blob);
    }
    const orphanMetadata = reportList<CleanupReport['orphanMetadata']['items'][number]>();
    const repaired = reportList<CleanupReport['repaired']['items'][number]>();
    for await (const recording of this.#each({})) {
      if (expiredIds.has(recording.id)) {
        // A dry run leaves expired rows in place; their blobs are reported as expired, not as orphans.
        unclaimed.delete(recording.blobKey);
        continue;
      }
      if (unclaimed.delete(recording.blobKey)) continue;
      const elsewhere = [keyOf(ACTIVE_PREFIX, recording.id), keyOf(ARCHIVE_PREFIX, recording.id)].find((key) => unclaimed.has(key));
      if (elsewhere) {
        unclaimed.delete(elsewhere);
        const archivedAt = elsewhere.startsWith(ARCHIVE_PREFIX) ? (recording.archivedAt ?? now.toISOString()) : null;
        if (!dryRun) await recordings.setBlobKey(recording.id, elsewhere, archivedAt);
        add(repaired, { id: recording.id, blobKey: elsewhere });
        continue;
      }
      if (new Date(recording.createdAt) >= graceEnd) continue;
      if (!dryRun) await recordings.delete(recording.id);
      add(orphanMetadata, { id: recording.id, userId: recording.userId, blobKey: recording.blobKey });
    }
    const orphanBlobs = reportList<CleanupReport['orphanBlobs']['items'][number]>();
    for (const blob of unclaimed.values()) {
      if (blob.modifiedAt >= graceEnd) continue; // an upload whose metadata is being written right now
      if (!dryRun) await blobs.delete(blob.key);
      freedBytes += blob.size;
      add(orphanBlobs, { key: blob.key, size: blob.size, modifiedAt: blob.modifiedAt.toISOString() });
    }

    const incomplete = reportList<string>();
    for (const key of await blobs.sweepIncomplete(graceEnd, dryRun)) add(incomplete, key);

    const report: CleanupReport = {
      dryRun,
      retentionDays,
      cutoff,
      expired: done(expired),
      orphanBlobs: done(orphanBlobs),
      orphanMetadata: done(orphanMetadata),
      repaired: done(repaired),
      incomplete: done(incomplete),
      freedBytes,
    };
    logger.info(
      { dryRun, retentionDays, expired: expired.count, orphanBlobs: orphanBlobs.count, orphanMetadata: orphanMetadata.count, repaired: repaired.count, incomplete: incomplete.count, freedBytes },
      dryRun ? 'cleanup dry run finished: nothing removed' : 'cleanup finished',
    );
    return report;
  }

  /** Every matching recording, fetched in batches. */
  async *#each(filter: RecordingFilter): AsyncIterable<Recording> {
    for (let after = ''; ; ) {
      const batch = await this.deps.recordings.batch(filter, after, BATCH);
      yield* batch;
      if (batch.length < BATCH) return;
      after = batch.at(-1)!.id;
    }
  }
}

/** The blob key of recording `id` under `prefix`: sharded by the id's first two characters. */
export function keyOf(prefix: string, id: string): string {
  return `${prefix}${id.slice(0, 2)}/${id}`;
}

function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): ListPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // answered below
  }
  throw new AppError(400, STORAGE_ERROR_CODES.invalidCursor, 'The cursor is not one this API gave out');
}

type MutableReportList<T> = { count: number; items: T[] };

function reportList<T>(): MutableReportList<T> {
  return { count: 0, items: [] };
}

function add<T>(list: MutableReportList<T>, item: T): void {
  list.count++;
  if (list.items.length < REPORT_LIMIT) list.items.push(item);
}

function done<T>(list: MutableReportList<T>): ReportList<T> {
  return { count: list.count, items: list.items, truncated: list.count > list.items.length };
}
