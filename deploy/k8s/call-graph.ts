/**
 * Who calls whom, from the architecture guide. NetworkPolicies let exactly these callers (and the gateway, for
 * routed services) reach a service. It belongs in the catalog once the catalog carries dependencies.
 */
import { SERVICE_NAMES, type ServiceName } from '@ai-ninja/contracts';

/** Direct service-to-service calls of the design (events travel through Redis, not these calls). */
export const DIRECT_CALLS: Readonly<Partial<Record<ServiceName, readonly ServiceName[]>>> = {
  'phone-gateway': ['user-management', 'smart-whitelist', 'profile-analytics'],
  'realtime-processor': ['conversation-engine', 'storage'],
  'profile-analytics': ['smart-whitelist'],
  'smart-whitelist': ['profile-analytics'],
};

/** The services that call `service`: its direct callers, monitoring (it polls everyone), and for configuration everyone. */
export function callersOf(service: ServiceName): ServiceName[] {
  return SERVICE_NAMES.filter((caller) => {
    if (caller === service) return false;
    if (service === 'configuration' || caller === 'monitoring') return true;
    return DIRECT_CALLS[caller]?.includes(service) ?? false;
  });
}
