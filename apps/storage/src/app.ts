import { databaseHealthCheck, openDatabase, type Database } from '@ai-ninja/data';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { StorageService } from './domain/storage.service.js';
import { registerRoutes, UPLOAD_PATH } from './routes/index.js';
import type { BlobDriver } from './store/blob-driver.js';
import { createBlobDriver } from './store/create-blob-driver.js';
import { RecordingStore, storageMigrations, type StorageDatabase } from './store/recording.store.js';

/** What storage is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
  /** The blob store; by default the one the configuration names (files, or S3). */
  readonly blobs?: BlobDriver;
  /** The clock: tests move it to make recordings old. */
  readonly now?: () => Date;
}

/**
 * storage: call recordings and their metadata. Pure: no listening, no process.env. The database and the blob store
 * are opened by `listen()`, before the port opens.
 */
export function createApp(deps: AppDeps): Service {
  const { config } = deps;
  const service = createService({ name: 'storage', config, version: deps.version, ...(deps.logger ? { logger: deps.logger } : {}), rawBodyPaths: [UPLOAD_PATH] });
  const blobs = deps.blobs ?? createBlobDriver(config);
  let database: Database<StorageDatabase> | undefined;
  const recordings = new RecordingStore(() => {
    if (!database) throw new Error('storage: the database is used before listen() opened it');
    return database.db;
  });
  const storage = new StorageService({
    blobs,
    recordings,
    maxUploadBytes: config.STORAGE_MAX_UPLOAD_BYTES,
    retentionDays: config.STORAGE_RETENTION_DAYS,
    orphanGraceMs: config.STORAGE_ORPHAN_GRACE_MINUTES * 60_000,
    logger: service.logger,
    now: deps.now ?? (() => new Date()),
  });
  registerRoutes(service, storage, config.STORAGE_MAX_UPLOAD_BYTES);

  service.health.register(
    databaseHealthCheck({
      check: () => (database ? database.check() : Promise.reject(new Error('not open yet'))),
    }),
  );
  service.health.register({ name: 'blob-store', required: true, componentType: 'datastore', timeoutMs: 2000, check: () => blobs.check() });
  service.onShutdown('blob store', () => blobs.close());
  service.onShutdown('database', () => database?.close());

  return {
    ...service,
    async listen(overrides) {
      if (!database) {
        await blobs.open();
        database = await openDatabase<StorageDatabase>({ service: 'storage', config, migrations: storageMigrations, logger: service.logger });
        service.logger.info({ blobStore: blobs.kind, location: blobs.location, maxUploadBytes: config.STORAGE_MAX_UPLOAD_BYTES }, 'storage ready');
      }
      return service.listen(overrides);
    },
  };
}
