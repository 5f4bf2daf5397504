import type { Service } from '@ai-ninja/service-kit';

/**
 * profile-analytics's routes. Its business API is planned and not built yet, so each of its prefixes answers 501
 * NOT_IMPLEMENTED saying where it is planned, never a fake answer.
 */
export function registerRoutes(service: Service): void {
  service.notImplemented('/api/v1/analytics', 'issue #4 (users, whitelists and caller profiles)');
}
