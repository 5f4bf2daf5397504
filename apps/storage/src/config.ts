import { z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { envInt, serviceConfigSchema } from '@ai-ninja/service-kit';

const MB = 1024 * 1024;

/** storage's environment: the kit's variables (PORT defaults to the catalog's port), the database's, and its own. */
export const configSchema = serviceConfigSchema('storage')
  .extend({
    ...databaseConfigShape,
    /** Largest accepted upload in bytes; a larger one is cut off with 413 as soon as it passes the limit. */
    STORAGE_MAX_UPLOAD_BYTES: envInt(1, 5 * 1024 * MB).default(100 * MB),
    /** Recordings older than this many days are deleted by DELETE /api/v1/storage/cleanup (unless it says otherwise). */
    STORAGE_RETENTION_DAYS: envInt(1, 36_500).default(90),
    /** Blobs without metadata (and metadata without blobs) younger than this are left alone by cleanup: uploads in flight. */
    STORAGE_ORPHAN_GRACE_MINUTES: envInt(0, 7 * 24 * 60).default(60),
    /** Set: recordings go to this S3 bucket instead of `${DATA_DIR}/storage`. */
    STORAGE_S3_BUCKET: z.string().min(3).max(63).optional(),
    /** An S3-compatible endpoint (MinIO, Ceph, …), addressed path-style; unset: AWS S3. */
    STORAGE_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    STORAGE_S3_REGION: z.string().min(1).default('us-east-1'),
    /** Key prefix inside the bucket, e.g. `storage/`; must end with `/`. */
    STORAGE_S3_PREFIX: z
      .string()
      .regex(/^([A-Za-z0-9][A-Za-z0-9._-]*\/)*$/, 'must be folder names each ending with /, e.g. storage/')
      .default(''),
    /** Storage class of archived objects (e.g. GLACIER_IR, STANDARD_IA); unset: the bucket's default. */
    STORAGE_S3_ARCHIVE_CLASS: z.string().regex(/^[A-Z_]+$/, 'must be an S3 storage class such as STANDARD_IA').optional(),
    /** Multipart part size for S3 uploads, in MiB (5 is the S3 minimum): the memory one upload holds. */
    STORAGE_S3_PART_MB: envInt(5, 512).default(5),
    /** S3 credentials; unset: the SDK's default chain (profile, web identity, instance role). */
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    AWS_SESSION_TOKEN: z.string().min(1).optional(),
  })
  .refine((config) => !config.AWS_ACCESS_KEY_ID === !config.AWS_SECRET_ACCESS_KEY, {
    message: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together',
    path: ['AWS_SECRET_ACCESS_KEY'],
  });

/** storage's validated configuration. */
export type Config = z.output<typeof configSchema>;
