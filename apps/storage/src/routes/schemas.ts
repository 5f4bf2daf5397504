import { z } from '@ai-ninja/contracts';
import { ARCHIVE_PREFIX } from '../domain/storage.service.js';
import type { Recording } from '../store/recording.store.js';


const Identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');

export const RecordingIdParams = z.object({ id: z.uuid().describe('The recording id returned by the upload') });

export const UploadQuery = z.object({
  userId: Identifier.optional().describe('Whose recording it is. A user uploads their own (default); a service or an admin names the user.'),
  callId: Identifier.optional().describe('The call the recording belongs to'),
  durationMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60 * 60 * 1000)
    .optional()
    .describe('Length of the audio in milliseconds, when the uploader knows it'),
});

export const ListQuery = z.object({
  userId: Identifier.optional().describe('Only this user’s recordings; a user sees only their own whatever this says'),
  callId: Identifier.optional(),
  archived: z.enum(['true', 'false']).optional().transform((value) => (value === undefined ? undefined : value === 'true')),
  cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const ArchiveBody = z
  .object({
    userId: Identifier.optional(),
    callId: Identifier.optional(),
    olderThan: z.iso.datetime({ offset: true }).optional().describe('Recordings created before this instant'),
  })
  .refine((body) => body.userId !== undefined || body.callId !== undefined || body.olderThan !== undefined, {
    message: 'Say which recordings to archive: userId, callId and/or olderThan',
  })
  .openapi('ArchiveRequest');

export const CleanupQuery = z.object({
  olderThanDays: z.coerce.number().int().min(1).max(36_500).optional().describe('Overrides STORAGE_RETENTION_DAYS for this run'),
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('true: report what would be removed, remove nothing'),
});

export const RecordingSchema = z
  .object({
    id: z.uuid(),
    userId: z.string(),
    callId: z.string().nullable(),
    contentType: z.string(),
    size: z.number().int().describe('Bytes'),
    sha256: z.string().describe('Hex SHA-256 of the bytes; also the ETag of the download'),
    durationMs: z.number().int().nullable(),
    status: z.enum(['active', 'archived']),
    createdAt: z.string(),
    archivedAt: z.string().nullable(),
    uploadedBy: z.string().describe('user:<id> or service:<name>'),
    url: z.string().describe('Where to download it'),
  })
  .openapi('Recording');

export const RecordingPageSchema = z.object({ items: z.array(RecordingSchema), nextCursor: z.string().nullable() }).openapi('RecordingPage');

const reportList = <T extends z.ZodType>(item: T) => z.object({ count: z.number().int(), items: z.array(item), truncated: z.boolean() });

export const ArchiveReportSchema = z
  .object({
    moved: reportList(z.object({ id: z.string(), from: z.string(), to: z.string() })),
    failed: reportList(z.object({ id: z.string(), reason: z.string() })),
  })
  .openapi('ArchiveReport');

export const CleanupReportSchema = z
  .object({
    dryRun: z.boolean(),
    retentionDays: z.number().int(),
    cutoff: z.string(),
    expired: reportList(
      z.object({ id: z.string(), userId: z.string(), callId: z.string().nullable(), createdAt: z.string(), size: z.number().int(), archived: z.boolean() }),
    ),
    orphanBlobs: reportList(z.object({ key: z.string(), size: z.number().int(), modifiedAt: z.string() })),
    orphanMetadata: reportList(z.object({ id: z.string(), userId: z.string(), blobKey: z.string() })),
    repaired: reportList(z.object({ id: z.string(), blobKey: z.string() })),
    incomplete: reportList(z.string()),
    freedBytes: z.number().int(),
  })
  .openapi('CleanupReport');

/** A recording as the API shows it. */
export function toView(recording: Recording): z.infer<typeof RecordingSchema> {
  return {
    id: recording.id,
    userId: recording.userId,
    callId: recording.callId,
    contentType: recording.contentType,
    size: recording.size,
    sha256: recording.sha256,
    durationMs: recording.durationMs,
    status: recording.blobKey.startsWith(ARCHIVE_PREFIX) ? 'archived' : 'active',
    createdAt: recording.createdAt,
    archivedAt: recording.archivedAt,
    uploadedBy: recording.uploadedBy,
    url: `/api/v1/storage/audio/${recording.id}`,
  };
}
