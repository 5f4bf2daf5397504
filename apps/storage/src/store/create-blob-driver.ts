import { join } from 'node:path';
import type { StorageClass } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { ARCHIVE_PREFIX } from '../domain/storage.service.js';
import type { BlobDriver } from './blob-driver.js';
import { FsBlobDriver } from './fs-blob.driver.js';
import { S3BlobDriver } from './s3-blob.driver.js';

/** The blob driver the configuration asks for: S3 when STORAGE_S3_BUCKET is set, else files under `${DATA_DIR}/storage`. */
export function createBlobDriver(config: Config): BlobDriver {
  if (!config.STORAGE_S3_BUCKET) return new FsBlobDriver(join(config.DATA_DIR, 'storage'));
  return new S3BlobDriver({
    bucket: config.STORAGE_S3_BUCKET,
    prefix: config.STORAGE_S3_PREFIX,
    region: config.STORAGE_S3_REGION,
    ...(config.STORAGE_S3_ENDPOINT ? { endpoint: config.STORAGE_S3_ENDPOINT } : {}),
    ...(config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: config.AWS_ACCESS_KEY_ID,
            secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
            ...(config.AWS_SESSION_TOKEN ? { sessionToken: config.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    ...(config.STORAGE_S3_ARCHIVE_CLASS ? { archiveStorageClass: config.STORAGE_S3_ARCHIVE_CLASS as StorageClass, archiveKeyPrefix: ARCHIVE_PREFIX } : {}),
    partSize: config.STORAGE_S3_PART_MB * 1024 * 1024,
  });
}
