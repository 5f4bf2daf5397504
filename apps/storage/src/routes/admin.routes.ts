import { ErrorEnvelopeSchema } from '@ai-ninja/contracts';
import type { Service } from '@ai-ninja/service-kit';
import type { StorageService } from '../domain/storage.service.js';
import { ArchiveBody, ArchiveReportSchema, CleanupQuery, CleanupReportSchema } from './schemas.js';

/** Archive and retention: for admins and the system's services only. */
export function registerAdminRoutes(service: Service, storage: StorageService): void {
  service.route({
    method: 'post',
    path: '/api/v1/storage/archive',
    summary: 'Archive recordings of a user, of a call, or older than a date: their bytes move to the archive',
    description:
      'Moves the matching recordings that are not archived yet into the archive (a separate directory on disk, a ' +
      'separate prefix — and optionally storage class — in S3). Archived recordings stay listed and downloadable. ' +
      'Reports each move; a recording that could not be moved is listed under failed.',
    tags: ['maintenance'],
    auth: 'admin',
    request: { body: ArchiveBody },
    responses: { 200: { description: 'What moved', schema: ArchiveReportSchema }, 403: { description: 'Not an admin or a service', schema: ErrorEnvelopeSchema } },
    handler: async ({ body }) => {
      const report = await storage.archive({ userId: body.userId, callId: body.callId, createdBefore: body.olderThan && new Date(body.olderThan).toISOString() });
      return { status: 200, body: report };
    },
  });

  service.route({
    method: 'delete',
    path: '/api/v1/storage/cleanup',
    summary: 'Apply the retention policy: delete old recordings and orphans, and report what went',
    description:
      'Deletes recordings (live or archived) older than STORAGE_RETENTION_DAYS (or olderThanDays), blobs without ' +
      'metadata and metadata without blobs (both only once older than STORAGE_ORPHAN_GRACE_MINUTES, so uploads in ' +
      'flight are left alone), and temp files of writes cut short by a crash. dryRun=true reports without deleting.',
    tags: ['maintenance'],
    auth: 'admin',
    request: { query: CleanupQuery },
    responses: { 200: { description: 'What was (or would be) removed', schema: CleanupReportSchema }, 403: { description: 'Not an admin or a service', schema: ErrorEnvelopeSchema } },
    handler: async ({ query }) => ({ status: 200, body: await storage.cleanup({ retentionDays: query.olderThanDays, dryRun: query.dryRun }) }),
  });
}
