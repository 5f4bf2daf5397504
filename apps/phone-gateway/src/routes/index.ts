import type { Service } from '@ai-ninja/service-kit';

/**
 * phone-gateway's routes. Its business API is planned and not built yet, so each of its prefixes answers 501
 * NOT_IMPLEMENTED saying where it is planned, never a fake answer.
 */
export function registerRoutes(service: Service): void {
  service.notImplemented('/webhook', 'issue #5 (the live call)');
  service.notImplemented('/api/v1/calls', 'issue #5 (the live call)');
}
