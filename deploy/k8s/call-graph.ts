/**
 * Who may call whom: NetworkPolicies let exactly these callers (and the gateway, for routed services) reach a
 * service. The direct calls are the catalog's; monitoring polls everyone and everyone reads configuration.
 */
import { getService, SERVICE_NAMES, type ServiceName } from '@ai-ninja/contracts';

/** The services that call `service`: its direct callers, monitoring (it polls everyone), and for configuration everyone. */
export function callersOf(service: ServiceName): ServiceName[] {
  return SERVICE_NAMES.filter((caller) => {
    if (caller === service) return false;
    if (service === 'configuration' || caller === 'monitoring') return true;
    return getService(caller).calls.includes(service);
  });
}
