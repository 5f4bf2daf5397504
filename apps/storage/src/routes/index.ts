import type { Service } from '@ai-ninja/service-kit';
import type { StorageService } from '../domain/storage.service.js';
import { registerAdminRoutes } from './admin.routes.js';
import { registerAudioRoutes } from './audio.routes.js';

export { UPLOAD_PATH } from './audio.routes.js';

/** storage's routes: recordings (upload, download, metadata, listing) and their maintenance (archive, cleanup). */
export function registerRoutes(service: Service, storage: StorageService, maxUploadBytes: number): void {
  registerAudioRoutes(service, storage, maxUploadBytes);
  registerAdminRoutes(service, storage);
}
