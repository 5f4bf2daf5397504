import type { Service } from '@ai-ninja/service-kit';

/**
 * storage's routes. Its business API is planned and not built yet, so each of its prefixes answers 501
 * NOT_IMPLEMENTED saying where it is planned, never a fake answer.
 */
export function registerRoutes(service: Service): void {
  service.notImplemented('/api/v1/storage', 'issue #6 (platform services)');
}
